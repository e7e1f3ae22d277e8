"""API payloads nested deeper than core.limits.MAX_JSON_DEPTH are refused before any parser
sees them: a parser recurses once per level, and a hostile or broken API answering
``[[[[…`` would otherwise end a load in a RecursionError instead of an error naming the URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from autonomos_pipelines.core.json_depth import nests_deeper_than
from autonomos_pipelines.core.limits import MAX_JSON_DEPTH


class ResponseTooDeep(requests.RequestException):
    """A JSON response nested past the limit (the message names the URL without its query,
    which may carry credentials)."""


def refuse_deep_json(response: requests.Response) -> None:
    """Raise ResponseTooDeep for a JSON body nested deeper than MAX_JSON_DEPTH."""
    if "json" not in response.headers.get("Content-Type", "").lower():
        return
    if nests_deeper_than(response.content or b"", MAX_JSON_DEPTH):
        where = urlsplit(response.url or "")
        raise ResponseTooDeep(
            f"response from {where.scheme}://{where.netloc}{where.path} is JSON nested deeper "
            f"than {MAX_JSON_DEPTH} levels; nothing of it was loaded"
        )
