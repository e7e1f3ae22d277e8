"""`autonomos unify ...`: review the pairs entity unification was unsure of, merge and split
unified entities, and set a tenant's thresholds and survivorship rules."""

from __future__ import annotations

import json

import typer

from autonomos_pipelines.canonical.unified_reads import UnifiedReader
from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors
from autonomos_pipelines.core.errors import InputRefused, NotFound
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.dcl.unify.decisions import UnifyDecisions
from autonomos_pipelines.dcl.unify.model import RecordKey
from autonomos_pipelines.dcl.unify.review_queue import ReviewQueue
from autonomos_pipelines.dcl.unify.settings import UnifySettings
from autonomos_pipelines.warehouse.store import Warehouse

app = typer.Typer(help="Entity unification: review pairs, merge, split, settings.")
ENTITY = typer.Argument(..., help="account or contact")
RECORD_HELP = "A source record as CONNECTOR:RECORD_ID (see `unify review` or `unify show`)"
NEXT_RUN = "the next run of the tenant's unified assets applies it"


def _workflow(tenant: str) -> Workflow:
    """The registry's workflow, once ``tenant`` is known to it (a typo is an error, not an
    empty queue)."""
    registry = open_registry(get_settings())
    if TenantId(tenant) not in registry.tenants():
        raise NotFound(f"no tenant {tenant!r}: see `autonomos tenants list`")
    return Workflow(registry)


def _reader(tenant: str, entity: str) -> UnifiedReader:
    _workflow(tenant)  # refuses an unknown tenant before its warehouse file is opened
    return UnifiedReader(Warehouse(get_settings()), TenantId(tenant), entity)


def _record(text: str) -> RecordKey:
    try:
        return RecordKey.parse(text)
    except ValueError as error:
        raise InputRefused(str(error)) from None


def _decide(tenant: str, entity: str, left: str, right: str, verdict: str, reason: str,
            user: str | None) -> None:  # fmt: skip
    row = UnifyDecisions(_workflow(tenant)).decide(
        TenantId(tenant),
        entity,
        (_record(left), _record(right)),
        verdict,
        acting_user(user),
        reason,
    )
    typer.echo(
        f"{verdict} {row['left_record']} ~ {row['right_record']} (version {row['version']}); "
        + NEXT_RUN
    )


@app.command("review")
@friendly_errors
def review(
    tenant: str, entity: str = ENTITY, limit: int = typer.Option(20, min=1, max=10_000)
) -> None:
    """Pairs between the thresholds, most probable first, with what agreed and what differed."""
    pairs = ReviewQueue(_workflow(tenant).engine).pending(TenantId(tenant), entity, limit)
    for pair in pairs:
        evidence = ", ".join(f"{k} {v}" for k, v in pair["evidence"].items())
        typer.echo(
            f"{pair['match_probability']:.3f}  {pair['left_record']}  ~  {pair['right_record']}"
        )
        typer.echo(f"       {evidence}")
    typer.echo(f"{len(pairs)} pair(s) shown; decide with `autonomos unify same|different`")


@app.command("same")
@friendly_errors
def same(
    tenant: str, entity: str = ENTITY, left: str = typer.Argument(..., help=RECORD_HELP),
    right: str = typer.Argument(..., help=RECORD_HELP),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """The two records are one company or person: their unified entities merge."""
    _decide(tenant, entity, left, right, "same", reason, user)


@app.command("different")
@friendly_errors
def different(
    tenant: str, entity: str = ENTITY, left: str = typer.Argument(..., help=RECORD_HELP),
    right: str = typer.Argument(..., help=RECORD_HELP),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """The two records are different companies or people: never in one entity."""
    _decide(tenant, entity, left, right, "different", reason, user)


@app.command("undo")
@friendly_errors
def undo(
    tenant: str, entity: str = ENTITY, left: str = typer.Argument(..., help=RECORD_HELP),
    right: str = typer.Argument(..., help=RECORD_HELP),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """Take a verdict back: the linker decides the pair again (the history keeps both)."""
    _decide(tenant, entity, left, right, "undecided", "", user)


@app.command("merge")
@friendly_errors
def merge(
    tenant: str, entity: str = ENTITY, keep: str = typer.Argument(..., help="Unified id"),
    other: str = typer.Argument(..., help="Unified id merged into KEEP"),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """Merge two unified entities (a "same" verdict between a member of each)."""
    reader = _reader(tenant, entity)
    left, right = reader.members(keep)[0], reader.members(other)[0]
    _decide(tenant, entity, f"{left['connector']}:{left['record_id']}",
            f"{right['connector']}:{right['record_id']}", "same", reason, user)  # fmt: skip


@app.command("split")
@friendly_errors
def split(
    tenant: str, entity: str = ENTITY, record: str = typer.Argument(..., help=RECORD_HELP),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """Take a record out of its unified entity ("different" from each other member)."""
    reader, key = _reader(tenant, entity), _record(record)
    others = [m for m in reader.members(reader.unified_id_of(key))
              if (m["connector"], m["record_id"]) != (key.connector, key.record_id)]  # fmt: skip
    if not others:
        raise InputRefused(f"{key} is alone in its unified {entity}: nothing to split")
    for member in others:
        _decide(tenant, entity, record, f"{member['connector']}:{member['record_id']}",
                "different", reason, user)  # fmt: skip


@app.command("show")
@friendly_errors
def show(tenant: str, entity: str = ENTITY, unified_id: str = typer.Argument(...)) -> None:
    """A unified entity's golden record and its members with their match probabilities."""
    reader = _reader(tenant, entity)
    golden = {k: v for k, v in reader.golden(unified_id).items() if v is not None}
    typer.echo(json.dumps(golden, default=str, indent=2))
    for member in reader.members(unified_id):
        typer.echo(f"  {member['match_probability']:.3f}  {member['connector']}:"
                   f"{member['record_id']}  ({member['source_system']})")  # fmt: skip


@app.command("history")
@friendly_errors
def history(
    tenant: str, entity: str = ENTITY,
    record: str = typer.Option(None, help="Only pairs with this record (" + RECORD_HELP + ")"),
) -> None:  # fmt: skip
    """Every verdict, every version, newest first: who decided what and when."""
    rows = UnifyDecisions(_workflow(tenant)).history(
        TenantId(tenant),
        entity,
        _record(record) if record else None,
    )
    for row in rows:
        active = "active" if row["is_active"] else "superseded"
        typer.echo(
            f"{row['decided_at']:%Y-%m-%d %H:%M:%S}  v{row['version']} {row['verdict']:<9} "
            f"{row['left_record']} ~ {row['right_record']}  by {row['decided_by']} [{active}]"
            + (f"  {row['reason']}" if row["reason"] else "")
        )
    typer.echo(f"{len(rows)} verdict version(s)")


def _field_rules(pairs: list[str]) -> dict[str, str]:
    rules = {}
    for text in pairs:
        name, sep, rule = text.partition("=")
        if not sep or not name or not rule:
            raise InputRefused(
                f"--field-rule {text!r}: expected FIELD=RULE, e.g. phone=most_trusted"
            )
        rules[name] = rule
    return rules


@app.command("settings")
@friendly_errors
def settings(
    tenant: str, entity: str = ENTITY,
    lower: float = typer.Option(None, help="From this probability a pair goes to review"),
    upper: float = typer.Option(None, help="From this probability two records are linked"),
    rule: str = typer.Option(None, help="Default survivorship: most_recent, most_trusted, "
                             "most_complete"),
    field_rule: list[str] = typer.Option(None, help="FIELD=RULE for one field (repeatable)"),
    source_priority: str = typer.Option(None, help="Source systems, most trusted first, "
                                        "comma-separated (e.g. salesforce,hubspot,stripe)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:  # fmt: skip
    """Show the tenant's thresholds and survivorship rules; with options, change them."""
    store = UnifySettings(_workflow(tenant))
    changes = {
        "lower": lower, "upper": upper, "default_rule": rule,
        "field_rules": _field_rules(field_rule) if field_rule else None,
        "source_priority": [s.strip() for s in source_priority.split(",") if s.strip()]
        if source_priority is not None else None,
    }  # fmt: skip
    if any(v is not None for v in changes.values()):
        thresholds, rules = store.set(TenantId(tenant), entity, acting_user(user), **changes)
    else:
        thresholds, rules = store.get(TenantId(tenant), entity)
    typer.echo(f"{entity}: link at >= {thresholds.upper}, review from {thresholds.lower}")
    typer.echo(f"survivorship: {rules.default}; per field: {json.dumps(rules.per_field)}")
    typer.echo(f"source priority: {', '.join(rules.source_priority) or '(none)'}")
