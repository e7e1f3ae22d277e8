"""Sandbox behaviour tests and demos switch on: rate limits (429 + Retry-After), injected 5xx,
schema mutations for drift tests, and a request log with timestamps."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autonomos_pipelines.sandbox.apis.base import SandboxApi
from autonomos_pipelines.sandbox.apis.http import Response

CASTS: dict[str, Callable[[Any], Any]] = {
    "string": str,
    "integer": lambda value: int(float(value)),
    "number": float,
    "boolean": lambda value: str(value).lower() in ("1", "true", "yes"),
}


class ControlError(ValueError):
    """A control request names an unknown API, resource, field or operation."""


@dataclass
class ApiBehaviour:
    requests_per_second: float | None = None
    fail_next: int = 0
    fail_status: int = 503
    failure_rate: float = 0.0
    corrupt_after: int = -1  # answer this many requests, then one truncated JSON body (200)
    latency_s: float = 0.0  # every answer waits this long (a slow API: faults land mid-load)
    pad_bytes: int = 0  # every JSON object answer (200) grows by this many bytes: oversized


@dataclass
class LoggedRequest:
    at: float
    api: str
    method: str
    path: str
    status: int


@dataclass
class Controls:
    seed: int = 1
    behaviour: dict[str, ApiBehaviour] = field(default_factory=lambda: defaultdict(ApiBehaviour))
    log: deque[LoggedRequest] = field(default_factory=lambda: deque(maxlen=100_000))
    _recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def configure(self, api: str, settings: dict[str, Any]) -> ApiBehaviour:
        behaviour = self.behaviour[api]
        for key, value in settings.items():
            if key not in ApiBehaviour.__dataclass_fields__:
                raise ControlError(f"unknown sandbox setting {key!r} for {api}")
            setattr(behaviour, key, value)
        return behaviour

    def intercept(self, api: SandboxApi) -> Response | None:
        """A 429 or injected 5xx for this request, or None to let the API answer."""
        behaviour = self.behaviour[api.name]
        if behaviour.latency_s:
            time.sleep(float(behaviour.latency_s))  # outside the lock: other APIs stay fast
        now = time.monotonic()
        with self._lock:
            if behaviour.fail_next > 0:
                behaviour.fail_next -= 1
                return api.error(behaviour.fail_status, "Injected sandbox failure")
            if behaviour.failure_rate and self._rng.random() < behaviour.failure_rate:
                return api.error(behaviour.fail_status, "Injected sandbox failure")
            if behaviour.requests_per_second:
                recent = self._recent[api.name]
                while recent and now - recent[0] >= 1.0:
                    recent.popleft()
                if len(recent) >= behaviour.requests_per_second:
                    return api.too_many_requests(max(1, round(1.0 - (now - recent[0]))))
                recent.append(now)
        return None

    def corrupts(self, api: str) -> bool:
        """Whether this (successful) answer is the one to send truncated."""
        with self._lock:
            behaviour = self.behaviour[api]
            if behaviour.corrupt_after < 0:
                return False
            behaviour.corrupt_after -= 1
            return behaviour.corrupt_after < 0

    def padding(self, api: str) -> int:
        """Bytes of filler for this (successful) answer: records unchanged, body oversized."""
        with self._lock:
            return int(self.behaviour[api].pad_bytes)

    def record(self, api: str, method: str, path: str, status: int) -> None:
        with self._lock:
            self.log.append(LoggedRequest(time.time(), api, method, path, status))

    def reset(self) -> None:
        with self._lock:
            self.behaviour.clear()
            self._recent.clear()


def mutate(api: SandboxApi, resource: str, change: dict[str, Any]) -> int:
    """Apply one schema change to every record of a resource; returns records touched.

    ``change``: {"op": "add"|"rename"|"drop"|"retype", "field": "a.b", "to": "new name"
    (rename), "value": ... (add), "type": "string"|"integer"|"number"|"boolean" (retype)}.
    Dotted fields reach into nested objects (HubSpot's ``properties.name``).
    """
    if resource not in api.data:
        raise ControlError(f"{api.name} has no resource {resource!r}; has {sorted(api.data)}")
    op, path = change.get("op"), str(change.get("field") or "")
    if op not in ("add", "rename", "drop", "retype") or not path:
        raise ControlError("a change needs op add|rename|drop|retype and a field")
    if op == "retype" and change.get("type") not in CASTS:
        raise ControlError(f"retype needs type one of {sorted(CASTS)}")
    if op == "rename" and not change.get("to"):
        raise ControlError("rename needs 'to'")
    touched = 0
    for record in api.data[resource]:
        *parents, leaf = path.split(".")
        node: Any = record
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if op == "add":
            node[leaf] = change.get("value")
        elif leaf not in node:
            continue
        elif op == "rename":
            node[str(change["to"])] = node.pop(leaf)
        elif op == "drop":
            del node[leaf]
        elif node[leaf] is not None:
            node[leaf] = CASTS[change["type"]](node[leaf])
        touched += 1
    return touched
