"""Entity unification: the pairs waiting for a person, verdicts (same, different, undecided)
with their history, and the tenant's thresholds and survivorship rules.

Reads need scope `read`; verdicts and settings scope `review` (and the user's reviewer or
admin role, which the stores check and audit). A verdict takes effect at the next run of the
tenant's unified assets."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.dcl.unify.decisions import UnifyDecisions
from autonomos_pipelines.dcl.unify.model import RecordKey, Thresholds
from autonomos_pipelines.dcl.unify.review_queue import ReviewQueue
from autonomos_pipelines.dcl.unify.settings import UnifySettings

router = APIRouter(prefix="/v1/tenants/{tenant}/unify/{entity}", tags=["unification"])
Entity = Literal["account", "contact"]
RECORD = "CONNECTOR:RECORD_ID of a canonical row"


class PairInReview(BaseModel):
    left_record: str
    right_record: str
    match_probability: float
    evidence: dict[str, str] = Field(
        description="Per field: exact, close, differs or missing; for e-mail also work vs personal"
    )
    queued_at: datetime


class VerdictIn(BaseModel):
    left: str = Field(min_length=3, max_length=2048, description=RECORD)
    right: str = Field(min_length=3, max_length=2048, description=RECORD)
    verdict: Literal["same", "different", "undecided"]
    reason: str = Field("", max_length=500, description="Why (kept in the audit log)")


class Verdict(BaseModel):
    left_record: str
    right_record: str
    verdict: str
    version: int
    is_active: bool
    match_probability: float | None
    evidence: dict[str, Any] | None
    reason: str | None
    decided_by: str
    decided_at: datetime


class SettingsBody(BaseModel):
    lower: float | None = Field(None, gt=0, lt=1, description="Review from this probability")
    upper: float | None = Field(None, gt=0, lt=1, description="Link from this probability")
    default_rule: Literal["most_recent", "most_trusted", "most_complete"] | None = None
    field_rules: dict[str, str] | None = Field(None, description="field -> rule")
    source_priority: list[str] | None = Field(None, description="Most trusted first")


def _key(text: str, name: str) -> RecordKey:
    try:
        return RecordKey.parse(text)
    except ValueError as error:
        raise InputRefused(f"{name}: {error}") from None


def _settings_body(thresholds: Thresholds, rules: Any) -> SettingsBody:
    return SettingsBody(
        lower=thresholds.lower, upper=thresholds.upper, default_rule=rules.default,
        field_rules=dict(rules.per_field), source_priority=list(rules.source_priority),
    )  # fmt: skip


@router.get("/review")
def pairs_in_review(
    entity: Entity,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> list[PairInReview]:
    """Pairs the last run scored between the thresholds and nobody has decided yet, most
    probable first, with the evidence (which fields agreed)."""
    rows = ReviewQueue(found.engine).pending(access.tenant_id, entity, limit, offset)
    return [PairInReview(**row) for row in rows]


@router.post("/decisions", status_code=201)
def decide(
    body: VerdictIn,
    entity: Entity,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> Verdict:
    """Decide a pair: `same` merges their unified entities, `different` keeps them apart,
    `undecided` takes a verdict back. Each is a new version of the pair's verdict."""
    pair = (_key(body.left, "left"), _key(body.right, "right"))
    row = UnifyDecisions(found.workflow).decide(
        access.tenant_id, entity, pair, body.verdict, access.actor, body.reason
    )
    return Verdict(**row)


@router.get("/decisions")
def verdicts(
    entity: Entity,
    record: str | None = Query(None, max_length=2048, description="Only pairs with " + RECORD),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> list[Verdict]:
    """Every version of every verdict, newest first."""
    key = _key(record, "record") if record else None
    rows = UnifyDecisions(found.workflow).history(access.tenant_id, entity, key)
    return [Verdict(**row) for row in rows]


@router.get("/settings")
def read_settings(
    entity: Entity,
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> SettingsBody:
    """The thresholds and survivorship rules the next run uses."""
    return _settings_body(*UnifySettings(found.workflow).get(access.tenant_id, entity))


@router.patch("/settings")
def change_settings(
    body: SettingsBody,
    entity: Entity,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> SettingsBody:
    """Change some settings; the others keep their values. Audited."""
    changed = UnifySettings(found.workflow).set(
        access.tenant_id, entity, access.actor, **body.model_dump(exclude_none=True)
    )
    return _settings_body(*changed)
