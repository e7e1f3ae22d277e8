"""What every sandbox API shares: its dataset, its error shape, and record growth for tests."""

from __future__ import annotations

import copy
import itertools
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any

from autonomos_pipelines.sandbox.apis.http import Request, Response

Records = dict[str, list[dict[str, Any]]]


class SandboxApi(ABC):
    """One fake API. ``data`` maps resource names to records in the API's own field names."""

    name: str = ""
    prefix: str = ""  # path the connector's sandbox.path points at, below /<name>/

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.data = self.build(seed)
        self._serial = itertools.count(1)

    @abstractmethod
    def build(self, seed: int) -> Records: ...

    @abstractmethod
    def handle(self, request: Request) -> Response: ...

    @abstractmethod
    def error(self, status: int, message: str) -> Response:
        """A response in the API's own error shape."""

    def too_many_requests(self, retry_after: int) -> Response:
        response = self.error(429, "Rate limit exceeded; retry later.")
        response.headers["Retry-After"] = str(retry_after)
        return response

    def reset(self) -> None:
        self.data = self.build(self.seed)

    def grow(self, resource: str, count: int) -> list[dict[str, Any]]:
        """Append ``count`` new records (copies of the last one with fresh ids and times)."""
        rows = self.data[resource]
        added = []
        for _ in range(count):
            record = copy.deepcopy(rows[-1])
            self.refresh(record, next(self._serial), datetime.now(UTC))
            rows.append(record)
            added.append(record)
        return added

    def refresh(self, record: dict[str, Any], serial: int, now: datetime) -> None:
        """Give a grown record a new identity and update time; APIs override for their ids."""
        record["id"] = _fresh_id(record.get("id"), serial)


def _fresh_id(old: Any, serial: int) -> Any:
    if isinstance(old, int):
        return 10_000_000 + serial
    return f"{old}_new{serial}"
