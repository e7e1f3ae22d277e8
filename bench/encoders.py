"""The embedding model's three backends side by side on the onboarding benchmark's texts.

    .venv/bin/python bench/encoders.py [--connectors 300] [--repeats 3]   # appends to results.md

Every distinct text of `scale.py`'s synthetic connectors (name, full, description and entity
texts of each field) is encoded by torch (sentence-transformers), onnx (onnxruntime, float) and
int8 (onnxruntime, quantised) in the same process, each `--repeats` times on a fresh text
cache; the median time, its ratio to torch, and the cosine of each vector to torch's.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time

import numpy as np
import results_log
import scale

from autonomos_pipelines.dcl.matching.embeddings import BACKENDS, MiniLmEmbedder


def measure(texts: list[str], repeats: int) -> dict[str, tuple[float, np.ndarray]]:
    timings: dict[str, tuple[float, np.ndarray]] = {}
    for backend in ("torch", *[b for b in BACKENDS if b != "torch"]):
        MiniLmEmbedder(backend=backend).encode(["warm up"])  # model load and file build apart
        seconds = []
        for _ in range(repeats):
            embedder = MiniLmEmbedder(backend=backend)
            embedder.encode(["warm up"])  # a fresh text cache, the model loaded off the clock
            started = time.perf_counter()
            vectors = embedder.encode(texts)
            seconds.append(time.perf_counter() - started)
        timings[backend] = (statistics.median(seconds), vectors)
    return timings


def report(texts: list[str], timings: dict[str, tuple[float, np.ndarray]]) -> list[str]:
    base_seconds, base = timings["torch"]
    lines = [
        f"\n## Encoders — {datetime.date.today()} ({os.cpu_count()} cores), "
        f"{len(texts):,} distinct texts (`.venv/bin/python bench/encoders.py`)\n",
        "| backend | median s | texts/s | speed vs torch | cosine to torch: min / median |",
        "|---|---|---|---|---|",
    ]
    for backend, (seconds, vectors) in timings.items():
        cosines = (vectors * base).sum(axis=1)
        lines.append(
            f"| {backend} | {seconds:.2f} | {len(texts) / seconds:,.0f} | "
            f"{base_seconds / seconds:.2f} × | {cosines.min():.4f} / {np.median(cosines):.4f} |"
        )
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connectors", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    fields = scale.synthetic_connectors(arguments.connectors, 50)
    kinds = ("name_text", "full_text", "description_text", "entity_text")
    texts = list(dict.fromkeys(getattr(f, kind) for f in fields for kind in kinds))
    print(results_log.append(report(texts, measure(texts, arguments.repeats))))
