"""The sandbox's request/response values and the auth helpers every fake API shares."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # below the API's prefix, without a leading slash
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    base_url: str = ""  # http://host:port/<api> as the client reached it

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.body.decode("utf-8", "replace")))


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def basic(headers: Mapping[str, str]) -> tuple[str, str] | None:
    value = headers.get("authorization") or ""
    if not value.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:].strip()).decode().partition(":")
    except ValueError:
        return None
    return user, password


def int_param(query: Mapping[str, str], name: str, default: int) -> int | None:
    try:
        return int(query.get(name, default))
    except ValueError:
        return None
