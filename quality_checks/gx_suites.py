"""Great-expectations suites derived from the canonical model, validated in memory.

GX 1.x is called directly (dagster-ge supports only GX < 1.0) on a pandas dataframe, because
GX's SQL path against DuckDB does not work here. ``import great_expectations`` costs seconds,
so it happens inside the check, never at definitions load.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from autonomos_pipelines.canonical.sql_builder import CAST_FAILED_KEY
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from quality_checks.iso_currencies import ISO_4217

NON_NEGATIVE = {
    "amount",
    "subtotal",
    "tax_amount",
    "total_amount",
    "amount_due",
    "amount_paid",
    "refunded_amount",
    "unit_amount",
    "mrr",
    "annual_revenue",
    "budget",
    "spend",
    "cost",
    "employee_count",
    "quantity",
    "usage_quantity",
    "impressions",
    "clicks",
}
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
CAST_OK_COLUMN = "_all_casts_succeeded"
_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str
    success: bool
    unexpected_count: int
    sample: list[Any]


def _gx_context() -> Any:
    global _context
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if _context is None:
        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _context


def expectations_for(entity: CanonicalEntity) -> list[Any]:
    """The suite: ids present and unique per source, emails, amounts, currencies, casts."""
    import great_expectations as gx

    ex = gx.expectations
    suite: list[Any] = [ex.ExpectColumnValuesToBeInSet(column=CAST_OK_COLUMN, value_set=[True])]
    identity = entity.identity_field
    if identity.endswith("_id"):
        suite.append(ex.ExpectColumnValuesToNotBeNull(column=identity))
        suite.append(
            ex.ExpectCompoundColumnsToBeUnique(column_list=["_source_connector", identity])
        )
    for field in entity.fields:
        if field.name == "email":
            suite.append(ex.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_REGEX))
        elif field.name in NON_NEGATIVE:
            suite.append(ex.ExpectColumnValuesToBeBetween(column=field.name, min_value=0))
        elif field.name == "probability":
            suite.append(
                ex.ExpectColumnValuesToBeBetween(column=field.name, min_value=0, max_value=100)
            )
        elif field.name == "currency":
            suite.append(
                ex.ExpectColumnValuesToBeInSet(column="currency", value_set=sorted(ISO_4217))
            )
    return suite


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].map(lambda v: None if v is None else float(v))
    extras = frame.get("extras", pd.Series(dtype=object))
    frame[CAST_OK_COLUMN] = [CAST_FAILED_KEY not in _as_dict(value) for value in extras]
    return frame


def _as_dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        return json.loads(value)
    return {}


def validate(
    entity: CanonicalEntity, frame: pd.DataFrame, run_key: str
) -> list[ExpectationOutcome]:
    """The canonical entity's suite (expectations_for) on its table's rows."""
    return validate_suite(entity.name, _prepare(frame), expectations_for(entity), run_key)


def validate_suite(
    name: str, frame: pd.DataFrame, expectations: list[Any], run_key: str
) -> list[ExpectationOutcome]:
    """Any suite on a dataframe, in the process's ephemeral GX context."""
    import great_expectations as gx

    with _lock:
        context = _gx_context()
        name = f"{name}_{run_key}"
        source = context.data_sources.add_or_update_pandas(name)
        batch_definition = source.add_dataframe_asset(
            name=name
        ).add_batch_definition_whole_dataframe("whole")
        suite = gx.ExpectationSuite(name=name, expectations=expectations)
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
        context.data_sources.delete(name)
    outcomes = []
    for item in result.results:
        kwargs = item.expectation_config.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", []))
        outcomes.append(
            ExpectationOutcome(
                expectation=item.expectation_config.type,
                column=column,
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                sample=[str(v) for v in (item.result.get("partial_unexpected_list") or [])[:5]],
            )
        )
    return outcomes


def outcome_report(outcomes: list[ExpectationOutcome]) -> str:
    """The outcomes as a markdown table for the check's metadata in the UI."""
    rows = "\n".join(
        f"| {'✅' if o.success else '❌'} | {o.expectation} | {o.column} | "
        f"{o.unexpected_count} | {', '.join(o.sample)} |"
        for o in outcomes
    )
    return "| | expectation | column | unexpected | sample |\n|---|---|---|---|---|\n" + rows
