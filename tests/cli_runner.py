"""`autonomos` run in-process, as the tests that drive the CLI share it."""

from __future__ import annotations

from typer.testing import CliRunner

from autonomos_pipelines.cli.main import app


def cli(*args: str, code: int = 0) -> str:
    """The command's output, asserting its exit code (``code``)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output
