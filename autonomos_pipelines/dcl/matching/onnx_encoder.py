"""MiniLM on onnxruntime: the Rust tokenizer and one ONNX session, no torch at run time.

Texts are tokenised once, then encoded fewest tokens first in batches, each padded only to its
own longest text (ordering by characters instead left batches padded to a text with many more
word pieces than its neighbours: 1.4x the time); the graph (dcl/matching/onnx_export.py)
returns pooled, L2-normalised vectors.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autonomos_pipelines.dcl.matching.onnx_export import encoder_file

MAX_TOKENS = 256  # the model's sentence_bert_config.json max_seq_length


class OnnxMiniLm:
    """Encodes like SentenceTransformer(...).encode(normalize_embeddings=True): fp32 gives
    the same vectors to 1e-6, int8 to a cosine ≥ 0.97 (median 0.993)."""

    def __init__(self, model_dir: Path, quantized: bool, dimensions: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.dimensions = dimensions
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # the shipped tokenizer.json pads every text to 128 tokens; _run pads to the batch
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.log_severity_level = 3  # errors only: its warnings are not ours to act on
        self.session = onnxruntime.InferenceSession(
            str(encoder_file(model_dir, quantized)), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            vectors[rows] = self._run([encodings[row] for row in rows])
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
