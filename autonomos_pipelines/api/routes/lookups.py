"""Lookups of a source field's active mapping: one field, or a batch of up to 1,000.

Answers come from this worker's cache when hot, else from one indexed query (see
dcl/registry/field_lookup.py for how long a cached answer may be served)."""

from __future__ import annotations

import os
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.problems import problem
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.dcl.registry.store import Mapping

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["lookups"])

MAX_BATCH = 1000
MAX_NAME_LENGTH = 255


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


ConnectorName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
SourceName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH),
    AfterValidator(_no_nul),
]


class FieldIn(BaseModel):
    connector: ConnectorName = Field(description="Connector name, e.g. `hubspot`")
    table: SourceName = Field(description="Source table (compared case-insensitively)")
    field: SourceName = Field(description="Source field (compared exactly)")


class MappingOut(BaseModel):
    id: int = Field(description="Registry row of this version")
    version: int
    target: str | None = Field(description="`entity.field`, or null: mapped to nothing")
    canonical_entity: str | None
    canonical_field: str | None
    confidence: float | None
    method: str = Field(description="manual | registry | rag | llm | none")
    status: str
    transform: str
    scope: Literal["tenant", "global"] = Field(
        description="`tenant`: the tenant's own mapping; `global`: the baseline's"
    )

    @classmethod
    def of(cls, mapping: Mapping) -> MappingOut:
        entity, field = mapping.canonical_entity, mapping.canonical_field
        return cls(
            id=mapping.id,
            version=mapping.version,
            target=f"{entity}.{field}" if entity and field else None,
            canonical_entity=entity,
            canonical_field=field,
            confidence=mapping.confidence,
            method=mapping.method,
            status=mapping.status,
            transform=mapping.transform,
            scope="global" if mapping.tenant_id is None else "tenant",
        )


class LookupRequest(BaseModel):
    fields: list[FieldIn] = Field(min_length=1, max_length=MAX_BATCH)


class FieldResult(FieldIn):
    mapping: MappingOut | None = Field(description="null: no active mapping for this field")


class LookupResponse(BaseModel):
    results: list[FieldResult] = Field(description="One per asked field, in request order")


@router.get(
    "/lookup",
    response_model=MappingOut,
    responses={404: {"description": "No active mapping for the field (problem details)"}},
)
async def lookup(
    request: Request,
    response: Response,
    connector: Annotated[ConnectorName, Query(description="Connector name, e.g. `hubspot`")],
    table: Annotated[SourceName, Query(description="Source table (case-insensitive)")],
    field: Annotated[SourceName, Query(description="Source field (compared exactly)")],
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> MappingOut:
    """The active mapping of one source field for the tenant: the tenant's own version if it
    has one, else the global baseline's. 404 problem when the field has no active mapping.
    `X-Lookup-Cache` says whether this worker answered from its cache (`hit`) or PostgreSQL."""
    name = (connector, table, field)
    answer = found.lookups.cached(access.tenant_id, name)
    if answer is None:  # the query runs in a thread, off the event loop
        answer = await run_in_threadpool(found.lookups.get, access.tenant_id, name)
    headers = {
        "X-Worker": str(os.getpid()),  # which of the server's processes answered
        "X-Lookup-Cache": "hit" if answer.cached else "miss",
    }
    if answer.mapping is None:
        detail = f"no active mapping for {connector}.{table}.{field} in tenant {access.tenant_id!r}"
        missing = problem(404, detail, request)
        missing.headers.update(headers)
        return missing  # type: ignore[return-value]
    response.headers.update(headers)
    return MappingOut.of(answer.mapping)


@router.post("/lookup", response_model=LookupResponse)
def lookup_many(
    request: LookupRequest,
    response: Response,
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> LookupResponse:
    """The active mappings of up to 1,000 source fields, in request order; `mapping` is null
    for a field without one. Fields not cached in this worker are read in one query."""
    names = [(f.connector, f.table, f.field) for f in request.fields]
    mappings = found.lookups.get_many(access.tenant_id, names)
    response.headers["X-Worker"] = str(os.getpid())  # which of several processes
    return LookupResponse(
        results=[
            FieldResult(**asked.model_dump(), mapping=MappingOut.of(m) if m else None)
            for asked, m in zip(request.fields, mappings, strict=True)
        ]
    )
