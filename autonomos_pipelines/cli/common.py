"""Shared CLI plumbing: who is acting (OS account or token), tenant ids validated at the
edge, one-line errors."""

from __future__ import annotations

import os
import pwd
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer

from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.errors import AutonomosError
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.identity import Identities

ON_BEHALF_HELP = "Act on this user's behalf (admins only; audited as such); or AUTONOMOS_USER"


def os_account() -> str:
    """The login name of the account this process runs as (its effective uid). Not $USER or
    $LOGNAME, which anyone can set: the kernel's uid is what a person cannot just type."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        return f"uid:{uid}"


def authenticated_user() -> Actor:
    """The holder of AUTONOMOS_TOKEN if it is set (and valid), else the OS account."""
    settings = get_settings()
    if settings.token:
        return Identities(migrated_engine(settings)).from_token(settings.token)
    account = os_account()
    return Actor(account, account, f"os:{account}")


def acting_user(explicit: str | None = None) -> Actor:
    """Who a command acts as: the authenticated user, or the user named by --user (else
    AUTONOMOS_USER) when an admin acts on their behalf; refused for anyone else."""
    actor = authenticated_user()
    claimed = explicit or get_settings().user
    if not claimed or claimed == actor.principal:
        return actor
    return Identities(migrated_engine(get_settings())).act_for(actor, claimed)


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
