"""How far can an auto-applied rename be trusted? A labelled set from the sandbox's mapped
fields, scored by the drift repair's own confidence (dcl/drift_repair.rename_confidence):

* true renames: a mapped field's values arrive under a new name (entity prefix, version
  suffix, abbreviation or synonym), so the sampled values overlap fully;
* false pairs: a mapped field disappears while an unrelated field of the same type appears
  in the same table (taken from another connector, with its own values).

    cd bench && ../.venv/bin/python drift_renames.py      # appends to results.md

Reports, at the 0.85 auto-apply threshold: precision and recall of auto-applied renames, the
share sent to review, and the false pairs that would have been applied.
"""

from __future__ import annotations

import datetime
import os
import platform
import random
from collections import Counter

import results_log
from ingest import start_services

SYNONYMS = {
    "title": "subject",
    "name": "full_name",
    "amount": "amt",
    "description": "desc",
    "quantity": "qty",
    "email": "email_address",
    "phone": "phone_number",
    "created": "created_on",
    "status": "state",
    "currency": "currency_code",
}


def new_names(table: str, field: str) -> list[str]:
    names = [f"{table.rstrip('s')}_{field}", f"{field}_v2"]
    for word, other in SYNONYMS.items():
        if word in field.split("_"):
            names.append("_".join(other if part == word else part for part in field.split("_")))
            break
    return [n for n in names if n != field]


def dlt_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    return "text"


def mapped_columns(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    """Top-level mapped fields of the sandbox data, with their values and dlt-like type."""
    from autonomos_pipelines.dcl.registry.baseline import baseline_mappings

    found = []
    for m in baseline_mappings():
        api = sandbox.apis.get(m.connector)
        records = api.data.get(m.source_table, []) if api else []
        values = [r[m.source_field] for r in records if r.get(m.source_field) is not None]
        if len(values) >= 5 and not isinstance(values[0], (dict, list)):
            found.append(
                {
                    "connector": m.connector,
                    "table": m.source_table,
                    "field": m.source_field,
                    "target": f"{m.entity}.{m.field}",
                    "type": dlt_type(values[0]),
                    "values": [str(v) for v in values[:50]],
                }
            )
    return found


def overlap(a: list[str], b: list[str]) -> float:
    from autonomos_pipelines.aam.drift.fingerprint import value_hash

    left, right = {value_hash(v) for v in a}, {value_hash(v) for v in b}
    return len(left & right) / len(left | right) if left and right else 0.0


def labelled_cases(columns: list[dict], rng: random.Random) -> list[dict]:
    cases = []
    for column in columns:
        for name in new_names(column["table"], column["field"]):
            cases.append({**column, "new": name, "new_values": column["values"], "true": True})
        strangers = [
            c
            for c in columns
            if c["type"] == column["type"]
            and c["connector"] != column["connector"]
            and c["target"] != column["target"]
            and c["field"] != column["field"]  # the same name is not a rename
        ]
        for stranger in rng.sample(strangers, min(2, len(strangers))):
            cases.append(
                {
                    **column,
                    "new": stranger["field"],
                    "new_values": stranger["values"],
                    "true": False,
                }
            )
    return cases


def score(cases: list[dict]) -> None:
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.drift.rename_confidence import rename_confidence
    from autonomos_pipelines.dcl.matching.source_field import SourceField
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.dcl.service import build_resolver

    registry = open_registry(Settings.from_env())
    resolver = build_resolver(registry, None, persistent=True)
    resolver.registry_lookup = None  # as in the repair: the new name has no mapping yet
    fields = [
        SourceField(
            c["connector"], c["table"], c["new"], c["type"], samples=tuple(c["new_values"][:20])
        )
        for c in cases
    ]
    for case, source in zip(cases, fields, strict=True):
        # one at a time, as a repair meets a renamed column: the other cases are not its
        # table's fields, so they must not compete with it for targets
        (result,) = resolver.resolve([source], top_k=10, tenant_id=None)
        fit = {c.target: c.confidence for c in result.candidates}.get(case["target"], 0.0)
        value_overlap = overlap(case["values"], case["new_values"])
        case["confidence"] = rename_confidence(
            fit, case["field"], case["new"], value_overlap, values_compared=True
        )


def main() -> None:
    server, sandbox = start_services()
    try:
        cases = labelled_cases(mapped_columns(sandbox), random.Random(5))
        score(cases)
    finally:
        sandbox.stop()  # type: ignore[attr-defined]
        server.cleanup()  # type: ignore[attr-defined]
    outcome = Counter(
        ("applied" if c["confidence"] >= 0.85 else "review" if c["confidence"] >= 0.6 else "no")
        + ("_true" if c["true"] else "_false")
        for c in cases
    )
    applied = outcome["applied_true"] + outcome["applied_false"]
    positives = sum(c["true"] for c in cases)
    wrong = [
        f"{c['connector']}.{c['field']}→{c['new']}"
        for c in cases
        if not c["true"] and c["confidence"] >= 0.85
    ]
    lines = [
        f"\n## Rename confidence on labelled renames ({datetime.date.today()}, "
        f"{platform.node() or 'host'}, {os.cpu_count()} cores)\n",
        f"{positives} true renames and {len(cases) - positives} false pairs from "
        f"{len({(c['connector'], c['field']) for c in cases})} mapped sandbox fields "
        "(`cd bench && ../.venv/bin/python drift_renames.py`).\n",
        "| figure | value |",
        "|---|---|",
        f"| precision of auto-applied renames (>= 0.85) | "
        f"{outcome['applied_true'] / applied if applied else 0:.3f} ({applied} applied) |",
        f"| recall: true renames applied without review | "
        f"{outcome['applied_true'] / positives:.3f} |",
        f"| true renames sent to review (0.60–0.85) | {outcome['review_true'] / positives:.3f} |",
        f"| false pairs applied | {outcome['applied_false']} {', '.join(wrong[:8])} |",
        f"| false pairs sent to review | {outcome['review_false']} |",
    ]
    print(results_log.append(lines))


if __name__ == "__main__":
    main()
