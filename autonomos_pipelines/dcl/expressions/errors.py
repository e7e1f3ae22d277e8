"""The one error an expression can fail with: it names where and what was expected."""

from __future__ import annotations

from autonomos_pipelines.core.errors import AutonomosError


class ExpressionError(AutonomosError):
    """An expression that does not parse, does not type-check or does not fit its target."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f"at position {position}: " if position is not None else ""
        super().__init__(f"expression {where}{message}")
        self.position = position
