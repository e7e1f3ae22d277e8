"""MiniLM on onnxruntime: the Rust tokenizer and one ONNX session, no torch at run time.

Texts are tokenised once, then encoded fewest tokens first in batches, each padded only to its
own longest text (ordering by characters instead left batches padded to a text with many more
word pieces than its neighbours: 1.4x the time); the graph (dcl/matching/onnx_export.py)
returns pooled, L2-normalised vectors.

Batches run side by side, one per core, each on one thread of the same session (onnxruntime
runs a session from several threads at once and releases the GIL): a field's text is a few
word pieces, so one batch's matrices are small and a session splitting each operation over
both cores spent much of its time waiting for the other (the same texts at 0.85x the time, the
same fp32 vectors to the bit; bench/results.md, stop 46).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from autonomos_pipelines.dcl.matching.onnx_export import encoder_file

MAX_TOKENS = 256  # the model's sentence_bert_config.json max_seq_length


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; a CPU quota is not seen)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxMiniLm:
    """Encodes like SentenceTransformer(...).encode(normalize_embeddings=True): fp32 gives
    the same vectors to 1e-6, int8 to a cosine ≥ 0.97 (median 0.993)."""

    def __init__(
        self, model_dir: Path, quantized: bool, dimensions: int, workers: int | None = None
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.dimensions = dimensions
        self.workers = max(1, workers or usable_cores())
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # the shipped tokenizer.json pads every text to 128 tokens; _run pads to the batch
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the cores are used by batches side by side
        options.log_severity_level = 3  # errors only: its warnings are not ours to act on
        self.session = onnxruntime.InferenceSession(
            str(encoder_file(model_dir, quantized)), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        # batches never depend on the cores: int8 scales a batch's activations together, so
        # its vectors would differ from one machine to the next
        batches = [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]
        if len(batches) <= 1 or self.workers == 1:
            for rows in batches:
                vectors[rows] = self._run([encodings[row] for row in rows])
            return vectors
        # a pool per call, not per object: a process forked from this one gets its own
        with ThreadPoolExecutor(min(self.workers, len(batches))) as pool:
            done = pool.map(lambda rows: self._run([encodings[row] for row in rows]), batches)
            for rows, batch_vectors in zip(batches, done, strict=True):
                vectors[rows] = batch_vectors
        return vectors

    def _run(self, encodings: list[Any]) -> Any:
        """One batch, padded with zeros (the [PAD] id, masked out) to its longest text."""
        width = max(len(e.ids) for e in encodings)
        feed = {
            name: np.zeros((len(encodings), width), dtype=np.int64)
            for name in ("input_ids", "attention_mask", "token_type_ids")
        }
        for row, e in enumerate(encodings):
            feed["input_ids"][row, : len(e.ids)] = e.ids
            feed["attention_mask"][row, : len(e.ids)] = e.attention_mask
            feed["token_type_ids"][row, : len(e.ids)] = e.type_ids
        return self.session.run(None, feed)[0]
