"""Request bodies bounded before the app reads them: pure ASGI, each byte received once.

A Content-Length over AUTONOMOS_API_MAX_BODY_KB is refused (413) before the app runs and before
a byte of the body is read. A body without one (chunked) is counted as it arrives and cut off
at the limit (413). A JSON body is gathered (it is parsed whole anyway) and refused (422) when
it nests deeper than MAX_JSON_DEPTH, before the parser recurses into it."""

from __future__ import annotations

from email.message import Message as MimeType
from http import HTTPStatus

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autonomos_pipelines.api.common.problems import MEDIA_TYPE
from autonomos_pipelines.core.json_depth import nests_deeper_than
from autonomos_pipelines.core.limits import MAX_JSON_DEPTH


class BodyTooLarge(HTTPException):
    # an HTTPException: FastAPI re-raises those from reading a body, so the app's problem
    # handler answers; the middleware answers itself when nothing else did
    def __init__(self, limit_bytes: int, size: str) -> None:
        super().__init__(
            413,
            f"request body {size} is over the limit of {limit_bytes // 1024:,} KiB "
            "(AUTONOMOS_API_MAX_BODY_KB)",
        )


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            too_large = BodyTooLarge(self.max_bytes, f"of {int(declared):,} bytes")
            return await _problem(scope, receive, send, too_large)
        if not _is_json(headers.get("content-type")):
            return await self._streamed(scope, receive, send)
        try:
            receive = await self._gathered(receive)
        except HTTPException as refused:
            return await _problem(scope, receive, send, refused)
        await self.app(scope, receive, send)

    async def _gathered(self, receive: Receive) -> Receive:
        """The whole body, checked, handed to the app as one message."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(message, receive)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                raise BodyTooLarge(self.max_bytes, "sent in chunks")
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if nests_deeper_than(body, MAX_JSON_DEPTH):
            raise HTTPException(422, f"request body: JSON nested deeper than {MAX_JSON_DEPTH}")
        return _replay({"type": "http.request", "body": body, "more_body": False}, receive)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send) -> None:
        size, started = 0, False

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                raise BodyTooLarge(self.max_bytes, "sent in chunks")
            return message

        async def noted(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, noted)
        except BodyTooLarge as refused:  # an app that does not answer it itself
            if started:
                raise
            await _problem(scope, receive, send, refused)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    parsed = MimeType()
    parsed["content-type"] = content_type
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _problem(scope: Scope, receive: Receive, send: Send, error: HTTPException) -> None:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(error.status_code).phrase,
        "status": error.status_code,
        "detail": error.detail,
        "instance": scope.get("path", ""),
    }
    response = JSONResponse(body, status_code=error.status_code, media_type=MEDIA_TYPE)
    await response(scope, receive, send)
