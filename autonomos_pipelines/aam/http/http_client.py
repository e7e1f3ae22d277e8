"""The HTTP session every REST-based connector uses: rate limit, retries, request counts.

Retries cover 429, 5xx, connection errors and timeouts, with exponential backoff and full
jitter; a Retry-After header sets the wait and pauses the whole bucket (see rate_limit).
A response body larger than AUTONOMOS_MAX_RESPONSE_MB (default 64) is refused while it is
read, so one oversized payload fails its resource with a clear error instead of exhausting
the run worker's memory.

No secret leaves this layer in an exception or URL: a response's ``url`` (which dlt puts in
its HTTP errors) has the connection's secrets redacted, and a source that stays unreachable
raises :class:`~autonomos_pipelines.aam.http.errors.SourceUnreachable` (see there).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from autonomos_pipelines.aam.http.errors import unreachable, without_query
from autonomos_pipelines.aam.http.payload_depth import refuse_deep_json
from autonomos_pipelines.aam.http.rate_limit import Limiter, acquire
from autonomos_pipelines.core.metrics.definitions import HTTP_REQUESTS, HTTP_RETRIES, code_class
from autonomos_pipelines.core.redaction import Redactor

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RESPONSE_ENV = "AUTONOMOS_MAX_RESPONSE_MB"  # named in the refusal; read by core.settings
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class ResponseTooLarge(requests.RequestException):
    """A response body over the size limit (the message names the URL without its query,
    which may carry credentials)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 30.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2^(attempt-1))]."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass
class RequestStats:
    """What a load's HTTP traffic looked like; becomes Dagster metadata."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_errors: int = 0
    network_errors: int = 0
    waited_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    connector: str = "unknown"  # the Prometheus label of these counts


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass
class Throttle:
    limiter: Limiter
    key: str
    rate: float = 0.0  # requests per second; 0: only honour pauses
    burst: int = 1


class GuardedAdapter(HTTPAdapter):
    def __init__(
        self,
        throttle: Throttle,
        policy: RetryPolicy,
        stats: RequestStats,
        shared: Throttle | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        """``shared``: a second bucket every connector of the tenant draws from;
        ``redactor``: the connection's secrets, kept out of URLs and errors."""
        super().__init__(pool_connections=4, pool_maxsize=8)
        self.throttle, self.policy, self.stats, self.shared = throttle, policy, stats, shared
        self.redactor = redactor or Redactor()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # type: ignore[no-untyped-def, override]
        timeout = timeout or self.policy.timeout
        for attempt in range(1, self.policy.max_attempts + 1):
            t = self.throttle
            self.stats.waited_seconds += acquire(t.limiter, t.key, t.rate, t.burst)
            if self.shared:
                s = self.shared
                self.stats.waited_seconds += acquire(s.limiter, s.key, s.rate, s.burst)
            self.stats.requests += 1
            last = attempt == self.policy.max_attempts
            failure: BaseException | None = None
            try:
                response = super().send(request, stream, timeout, verify, cert, proxies)
            except (requests.ConnectionError, requests.Timeout) as error:
                self.stats.network_errors += 1
                HTTP_REQUESTS.labels(self.stats.connector, code_class(None)).inc()
                failure = error
            if failure is not None:  # raised outside the except: no chained original
                if last:
                    raise unreachable(request.url or "", failure, attempt, self.redactor)
                self._sleep(self.policy.backoff(attempt))
                continue
            status = response.status_code
            self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
            HTTP_REQUESTS.labels(self.stats.connector, code_class(status)).inc()
            if status not in RETRY_STATUSES or last:
                response.url = self.redactor.redact(response.url or "")
                return self._read_capped(response)
            wait = self.policy.backoff(attempt)
            if status == 429:
                self.stats.throttled += 1
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if retry_after is not None:
                    t.limiter.pause(t.key, retry_after)
                    wait = 0.0  # the pause makes the next acquire wait
            else:
                self.stats.server_errors += 1
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _read_capped(self, response: requests.Response) -> requests.Response:
        """Read the body now, refusing it past the limit (declared or actually read; the
        limit applies to the decompressed bytes)."""
        limit = self.policy.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            self._refuse(response, limit)
        chunks, read = [], 0
        for chunk in response.raw.stream(64 * 1024, decode_content=True):
            read += len(chunk)
            if read > limit:
                self._refuse(response, limit)
            chunks.append(chunk)
        response._content = b"".join(chunks)
        response._content_consumed = True
        refuse_deep_json(response)
        return response

    @staticmethod
    def _refuse(response: requests.Response, limit: int) -> None:
        response.close()
        raise ResponseTooLarge(
            f"response from {without_query(response.url or '')} is larger than "
            f"{limit / 1024 / 1024:.3g} MB ({MAX_RESPONSE_ENV}); nothing of it was loaded"
        )

    def _sleep(self, seconds: float) -> None:
        self.stats.retries += 1
        HTTP_RETRIES.labels(self.stats.connector).inc()
        self.stats.waited_seconds += seconds
        time.sleep(seconds)


def guarded_session(
    throttle: Throttle,
    policy: RetryPolicy,
    stats: RequestStats,
    shared: Throttle | None = None,
    redactor: Redactor | None = None,
) -> requests.Session:
    session = requests.Session()
    adapter = GuardedAdapter(throttle, policy, stats, shared, redactor)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
