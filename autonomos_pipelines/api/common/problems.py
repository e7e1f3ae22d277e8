"""Errors as RFC 9457 problem details (`application/problem+json`), one status per kind.

Messages are the same one-line, specific texts the CLI prints; nothing secret is in them
(tokens and URLs are redacted where the errors are raised)."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException  # FastAPI's and the router's (404, 405)

from autonomos_pipelines.core.errors import (
    AutonomosError,
    ConfigError,
    InputRefused,
    InvalidName,
    NotFound,
    ServiceUnavailable,
    SpecError,
)
from autonomos_pipelines.core.quotas import QuotaExceeded
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.registry.refs import MappingConflict, PermissionDenied, WorkflowError
from autonomos_pipelines.dcl.registry.tokens import AuthenticationError
from autonomos_pipelines.dcl.registry.value_checks import NotAnEnumeration
from autonomos_pipelines.dcl.table_review import Interrupted

MEDIA_TYPE = "application/problem+json"

# most specific first: the first isinstance match decides
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDenied, 403),
    (QuotaExceeded, 429),
    (MappingConflict, 409),
    (ServiceUnavailable, 503),
    (Interrupted, 503),
    (InvalidName, 422),
    (InputRefused, 422),
    (SpecError, 422),
    (ExpressionError, 422),
    (ConfigError, 422),
    (NotAnEnumeration, 422),
    (WorkflowError, 409),
    (AutonomosError, 400),
)


def problem(status: int, detail: str, request: Request, **extra: object) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(error: Exception) -> int:
    if isinstance(error, NotFound):
        return 404
    return next(status for kind, status in STATUS_OF if isinstance(error, kind))


def install(app: FastAPI) -> None:
    """Every error the app can raise leaves as a problem document."""

    @app.exception_handler(AutonomosError)
    async def domain_error(request: Request, error: AutonomosError) -> JSONResponse:
        return problem(status_of(error), str(error), request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        response = problem(error.status_code, str(error.detail), request)
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(part) for part in e["loc"]), "problem": e["msg"]}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"where": "request", "problem": "invalid"}
        return problem(422, f"{first['where']}: {first['problem']}", request, errors=errors)
