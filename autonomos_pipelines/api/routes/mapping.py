"""POST /v1/tenants/{t}/map: the batch mapping contract of `autonomos map` over HTTP
(scope `map`). Read-only: nothing is written to any registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.limits import MAX_SAMPLES
from autonomos_pipelines.dcl.llm.config import llm_config
from autonomos_pipelines.dcl.mapping_batch import MAX_TOP_K, map_batch, source_fields
from autonomos_pipelines.dcl.matching.targets import targets_from_json

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["mapping"])

MAX_FIELDS_PER_REQUEST = 5_000  # larger batches: split them, or `autonomos map` (100,000)


class SourceFieldIn(BaseModel):
    """One source field, as a line of `autonomos map --input`; other keys are echoed."""

    model_config = ConfigDict(extra="allow")
    source_system: str = Field(description="Connector or system, e.g. hubspot")
    source_entity: str = Field(description="Table or object, e.g. contacts")
    field: str
    type: str | None = None
    description: str | None = None
    entity_description: str | None = None
    samples: list[Any] = Field(default_factory=list, max_length=MAX_SAMPLES)


class MapRequest(BaseModel):
    fields: list[SourceFieldIn] = Field(min_length=1, max_length=MAX_FIELDS_PER_REQUEST)
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="Candidates per field")
    target_schema: dict[str, Any] | None = Field(
        None, description='{"entities": [{"name", "description", "fields": [...]}]}'
    )
    no_llm: bool = Field(False, description="Never call the LLM (none without GEMINI_API_KEY)")


class TargetScore(BaseModel):
    target: str
    score: float | None


class MappedField(BaseModel):
    """The input field's keys, and the decision."""

    model_config = ConfigDict(extra="allow")
    candidates: list[TargetScore] = Field(description="Best first, up to top_k")
    mapping: str | None = Field(description="entity.field, or null")
    confidence: float | None
    method: str = Field(description="registry, rag, llm or none")
    status: str = Field(description="auto_approved, pending_review or unmapped")


class MapResponse(BaseModel):
    fields: list[MappedField] = Field(description="One per input field, same order")


@router.post("/map")
def map_fields(
    body: MapRequest,
    access: Access = Depends(tenant_access("map")),
    found: Services = Depends(services),
) -> MapResponse:
    """Map source fields to the canonical model (or `target_schema`), using the tenant's
    approved mappings as evidence. Writes nothing."""
    rows = [field.model_dump(exclude_unset=True) for field in body.fields]
    fields = source_fields(rows, "fields")
    schema = None
    if body.target_schema is not None:
        schema = targets_from_json(body.target_schema, "target_schema")
    llm = None if body.no_llm else llm_config(found.settings)
    out_rows = map_batch(rows, fields, found.registry, access.tenant_id, schema, body.top_k, llm)
    return MapResponse(fields=[MappedField(**row) for row in out_rows])
