"""Panels 5 and 6: each quota's use against its limit (near it at 80 %, over it at 100 %) with
the 30-day usage, and the LLM's calls and spend this month."""

from __future__ import annotations

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.tenant_usage import QuotaState
from autonomos_pipelines.status.panel import FAIL, WARN, Panel

NEAR, OVER = 0.8, 1.0


def _level(share: float) -> str | None:
    return FAIL if share >= OVER else WARN if share >= NEAR else None


def quotas_panel(
    tenant_id: TenantId, states: list[QuotaState], usage_30d: dict[str, float]
) -> Panel:
    panel = Panel("quotas", "Quotas and usage")
    for state in states:
        if state.used is None:
            panel.add(
                f"{state.name}: limit {state.limit:,} ({state.meaning}; throttles, not counted)"
            )
            continue
        share = state.used / state.limit if state.limit else (1.0 if state.used else 0.0)
        panel.figures[f"quota_{state.name}_share"] = round(share, 4)
        text = f"{state.name}: {state.used:,.0f} of {state.limit:,} ({share:.0%}, {state.meaning})"
        level = _level(share)
        if level is None:
            panel.add(text)
        else:
            panel.add(
                text + (": over the limit" if level == FAIL else ": near the limit"),
                level,
                f"autonomos tenants quota {tenant_id} {state.name} N",
            )
    panel.add(
        "last 30 days: "
        + ", ".join(f"{metric} {amount:,.4g}" for metric, amount in usage_30d.items())
    )
    near = [s.name for s in states if s.used is not None and s.limit and s.used / s.limit >= NEAR]
    panel.summary = f"near or over: {', '.join(near)}" if near else "every quota under 80 %"
    return panel


def llm_panel(tenant_id: TenantId, month: dict, monthly_quota: int) -> Panel:
    """`month`: the ledger's calls, tokens and cost of this calendar month."""
    panel = Panel("llm", "LLM cost")
    calls, cost = int(month["calls"]), float(month["cost_usd"])
    share = calls / monthly_quota if monthly_quota else 0.0
    text = (
        f"this month: {calls} call(s) of {monthly_quota} allowed, ${cost:.4f}, "
        f"{month['input_tokens']} tokens in, {month['output_tokens']} out"
    )
    if monthly_quota and share >= NEAR:
        panel.add(
            text + ("; quota used up: fields go to review instead" if share >= OVER else ""),
            WARN,
            f"autonomos tenants quota {tenant_id} llm_calls_per_month N",
        )
    else:
        panel.add(text)
    panel.figures = {"llm_calls_month": calls, "llm_cost_usd_month": round(cost, 6)}
    panel.summary = f"{calls} call(s), ${cost:.2f} this month"
    return panel
