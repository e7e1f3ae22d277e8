"""Shared CLI plumbing: the acting user, tenant ids validated at the edge, one-line errors."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer

from autonomos_pipelines.core.errors import AutonomosError
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId


def acting_user(explicit: str | None = None) -> str:
    return explicit or get_settings().user or f"cli:{getpass.getuser()}"


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print AutonomosError as one line on stderr and exit 2, instead of a traceback. A
    `tenant` argument or option becomes a TenantId first: this is where a tenant id enters,
    so every command refuses a malformed one as such before it looks anything up."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            if kwargs.get("tenant") is not None:
                kwargs["tenant"] = TenantId(kwargs["tenant"])
            return command(*args, **kwargs)
        except AutonomosError as error:
            typer.echo(f"autonomos: error: {error}", err=True)
            sys.exit(2)

    return wrapper


def tenant_arg(value: str | None) -> TenantId | None:
    """A command's tenant argument as the TenantId friendly_errors made of it (None: none)."""
    return None if value is None else TenantId(value)
