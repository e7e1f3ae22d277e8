"""MiniLM on onnxruntime: the Rust tokenizer and one ONNX session, no torch at run time.

Texts are encoded shortest first in batches so a batch pads only to its own longest text; the
graph (dcl/matching/onnx_export.py) returns pooled, L2-normalised vectors.
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
        # the shipped tokenizer.json pads every text to 128 tokens; pad to the batch instead
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.log_severity_level = 3  # errors only: its warnings are not ours to act on
        self.session = onnxruntime.InferenceSession(
            str(encoder_file(model_dir, quantized)), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            vectors[rows] = self._run([texts[row] for row in rows])
        return vectors

    def _run(self, texts: list[str]) -> Any:
        encodings = self.tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self.session.run(None, feed)[0]
