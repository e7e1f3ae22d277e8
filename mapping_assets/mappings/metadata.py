"""What a mapping run reports in the Dagster UI: coverage, the method split, RAG hit rate, LLM
calls and cost, confidence, the field table, and the tenant's usage over 30 days up to this
step."""

from __future__ import annotations

from dagster import MetadataValue

from autonomos_pipelines.core.markdown import cell
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import METRICS, UsageMeter
from autonomos_pipelines.dcl.mapping_outcomes import STAGES, MappingRun, stages_said


def mapping_metadata(run: MappingRun) -> dict:
    outcomes = run.outcomes
    total = len(outcomes)
    statuses, methods = run.counts("status"), run.counts("method")
    mapped = [o for o in outcomes if o.status == "mapped"]
    confidences = [o.confidence for o in mapped if o.confidence is not None]
    by_connector: dict[str, list[int]] = {}
    for o in outcomes:
        counts = by_connector.setdefault(o.source.source_system, [0, 0])
        counts[0] += 1
        counts[1] += o.status == "mapped"
    rag_found = sum(1 for o in outcomes if o.method == "rag" and o.status != "unmapped")
    return {
        "fields_total": total,
        "fields_mapped": statuses["mapped"],
        "fields_pending_review": statuses["pending_review"],
        "fields_unmapped": statuses["unmapped"],
        "auto_approved_this_run": run.auto_approved,
        "proposed_this_run": run.proposed,
        # a nested list's field proposed as an aggregate on its parent (dcl/list_aggregates.py)
        "list_aggregates_proposed_this_run": run.aggregates_proposed,
        # list columns' own proposals an approved computed mapping reads (registry/superseded.py)
        "proposals_superseded_this_run": run.superseded,
        "resolved_this_run": run.resolved_now,
        # source tables whose identity field was auto-approved: they feed a canonical table now
        "tables_now_feeding_canonical": len(run.tables_now_feeding),
        **_listed(
            run.tables_now_feeding, "tables_now_feeding_canonical_list", "now feeds canonical"
        ),
        # source tables with fields approved this run whose identity field is not: they feed
        # nothing until a person approves it (dcl/identity_waits.py)
        "tables_awaiting_identity": len(run.tables_awaiting_identity),
        **_listed(run.tables_awaiting_identity, "tables_awaiting_identity_list", "waits for"),
        # of those auto-approved, keys and references their source's structure settled (a
        # field's reason says which): dcl/matching/settled_keys.py, settled_references.py
        "keys_settled_this_run": run.keys_settled,
        "references_settled_this_run": run.references_settled,
        # of those proposed, held because their table (or the one they reference) is nothing
        # canonical as far as its fields show: dcl/matching/unfounded_tables.py
        "held_unfounded_this_run": run.held_unfounded,
        **{
            f"method_{name}": methods[name] for name in ("registry", "manual", "rag", "llm", "none")
        },
        "rag_hit_rate": MetadataValue.float(
            round(rag_found / run.resolved_now, 4) if run.resolved_now else 0.0
        ),
        "llm_calls": run.llm_calls,
        "llm_cost_usd": MetadataValue.float(round(run.llm_cost_usd, 6)),
        "mean_confidence": MetadataValue.float(
            round(sum(confidences) / len(confidences), 4) if confidences else 0.0
        ),
        "coverage": MetadataValue.float(round(statuses["mapped"] / total, 4) if total else 0.0),
        **{
            f"coverage_{name}": MetadataValue.float(round(mapped_count / count, 4))
            for name, (count, mapped_count) in sorted(by_connector.items())
        },
        "fields": MetadataValue.md(fields_table(outcomes)),
        **_timings(run),
    }


def _timings(run: MappingRun) -> dict:
    """Where the mapping pass's time went (MappingRun.stage; the step's value mapping and
    drift repairs are not in it), every key every run so the UI can plot them."""
    seconds = {
        f"mapping_{name}_seconds": MetadataValue.float(round(run.seconds.get(name, 0.0), 3))
        for name in ("pass", *STAGES, "encoding")
    }
    return {**seconds, "texts_encoded_this_run": run.texts_encoded}


def timing_note(run: MappingRun) -> str:
    """The run log's word on where a pass that resolved fields spent its time."""
    if not run.resolved_now:
        return ""
    return (
        f"; {run.resolved_now} field(s) resolved in {run.seconds.get('pass', 0.0):.1f} s: "
        f"{stages_said(run.seconds)} (of which encoding {run.texts_encoded} new text(s) "
        f"{run.seconds.get('encoding', 0.0):.1f} s)"
    )


def _listed(tables: dict[str, str], key: str, said: str, limit: int = 300) -> dict:
    """``key``: a markdown table of source tables and what is ``said`` of each (none if
    there are none)."""
    if not tables:
        return {}
    listed = sorted(tables.items())
    rows = [f"| {cell(table, 200)} | {cell(what, 200)} |" for table, what in listed[:limit]]
    more = [f"\n…and {len(listed) - limit} more"] if len(listed) > limit else []
    text = "\n".join([f"| source table | {said} |", "|---|---|", *rows, *more])
    return {key: MetadataValue.md(text)}


def _named(tables: dict[str, str], form: str, limit: int = 10) -> str:
    """The first ``limit`` of ``tables`` for one log line, each as ``form`` says ({table},
    {what}: escaped), and how many more."""
    listed = sorted(tables.items())
    said = ", ".join(
        form.format(table=cell(table, 200), what=cell(what, 200)) for table, what in listed[:limit]
    )
    return said + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


def feeding_note(tables: dict[str, str], limit: int = 10) -> str:
    """The run log's word on the tables a pass made feed canonical ones, without a person."""
    if not tables:
        return ""
    said = _named(tables, "{table} -> {what}", limit)
    return f"; {len(tables)} table(s) now feed canonical ones (identity auto-approved): {said}"


def awaiting_note(tables: dict[str, str], limit: int = 10) -> str:
    """The run log's word on the tables whose approved fields feed nothing until a person
    approves their identity."""
    if not tables:
        return ""
    said = _named(tables, "{table} ({what})", limit)
    return f"; {len(tables)} table(s) feed nothing until their identity is approved: {said}"


def settled_note(run: MappingRun) -> str:
    """The run log's word on the keys and references a pass approved by their source's
    structure."""
    said = [
        f"{count} {kind}(s)"
        for count, kind in ((run.keys_settled, "key"), (run.references_settled, "reference"))
        if count
    ]
    if not said:
        return ""
    return f"; {' and '.join(said)} approved by their source's structure"


def unfounded_note(run: MappingRun) -> str:
    """The run log's word on the fields a pass held because their table is nothing canonical
    as far as its fields show (a lookup table: stages, tags, departments)."""
    if not run.held_unfounded:
        return ""
    return (
        f"; {run.held_unfounded} field(s) held for a person: their table, or the one they "
        "reference, is nothing canonical as far as its fields show"
    )


# Known in full when the mapping step runs: this run's loads came before it and its LLM calls
# are counted just before the metadata is read. Canonical rows are not: the builds that
# produce them run after this step, so a 30-day total here would lag by this run's rows.
USAGE_SHOWN = tuple(metric for metric in METRICS if metric != "rows_produced")
USAGE_COVERS = (
    "the tenant's last 30 days up to this mapping step: records fetched and API calls of every "
    "load so far (this run's included), LLM calls and cost (this step's included). Canonical "
    "rows are built after this step: see each canonical table's row count, or "
    "`autonomos tenants usage` for every metric"
)


def usage_metadata(meter: UsageMeter, tenant_id: TenantId) -> dict:
    """The tenant's usage over the last 30 days as far as this step knows it (see
    USAGE_COVERS): plotted per tenant partition in the UI."""
    totals = meter.totals(tenant_id, days=30).get(tenant_id, {})
    return {
        "usage_30d_covers": MetadataValue.text(USAGE_COVERS),
        **{
            f"usage_30d_{metric}": MetadataValue.float(round(totals.get(metric, 0.0), 6))
            for metric in USAGE_SHOWN
        },
    }


def fields_table(outcomes: list, limit: int = 300) -> str:
    order = {"pending_review": 0, "unmapped": 1, "mapped": 2}
    rows = sorted(outcomes, key=lambda o: (order[o.status], o.source.source_system))
    lines = [
        f"| {o.status} | {cell(f'{o.source.source_system}.{o.source.source_entity}', 200)} | "
        f"`{cell(o.source.field, 200)}` | {o.target or ''} | {o.method} | "
        f"{'' if o.confidence is None else round(o.confidence, 3)} |"
        for o in rows[:limit]
    ]
    more = f"\n\n…and {len(rows) - limit} more" if len(rows) > limit else ""
    return (
        "| status | table | field | target | method | confidence |\n|---|---|---|---|---|---|\n"
        + "\n".join(lines)
        + more
    )
