"""Shared CLI plumbing: settings, registry, acting user, one-line errors."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer

from autonomos_pipelines.core.errors import AutonomosError
from autonomos_pipelines.core.naming import validate_tenant_id


def acting_user(explicit: str | None = None) -> str:
    return explicit or os.environ.get("AUTONOMOS_USER") or f"cli:{getpass.getuser()}"


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print AutonomosError as one line on stderr and exit 2, instead of a traceback. A
    `tenant` argument or option is validated first, so every command refuses a malformed
    tenant name as such before it looks anything up."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            if kwargs.get("tenant") is not None:
                validate_tenant_id(kwargs["tenant"])
            return command(*args, **kwargs)
        except AutonomosError as error:
            typer.echo(f"autonomos: error: {error}", err=True)
            sys.exit(2)

    return wrapper
