"""bench/results.md: every benchmark appends its dated section here."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).parent / "results.md"


def append(lines: list[str]) -> str:
    """Append a section to results.md and return it (the scripts also print it)."""
    text = "\n".join(lines) + "\n"
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)
    return text
