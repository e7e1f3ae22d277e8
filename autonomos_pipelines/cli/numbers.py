"""Numbers from the command line, range-checked where they enter: a number that would
overflow a date or a Postgres column is refused in one line naming the option and its range,
instead of failing as a traceback further down."""

from __future__ import annotations

from autonomos_pipelines.core.errors import ConfigError


def within(option: str, value: int, low: int, high: int) -> int:
    """``value`` if low <= value <= high, else a ConfigError naming ``option``."""
    if not low <= value <= high:
        shown = str(value) if len(str(value)) <= 30 else f"{str(value)[:27]}..."
        raise ConfigError(f"{option} {shown}: expected a whole number from {low:,} to {high:,}")
    return value


def all_within(option: str, values: list[int], low: int, high: int) -> list[int]:
    return [within(option, value, low, high) for value in values]
