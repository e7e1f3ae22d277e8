"""Slack Web API: conversations.list and users.list with response_metadata.next_cursor;
errors come back as HTTP 200 {"ok": false, "error": ...}, as the real API does."""

from __future__ import annotations

import base64
import random
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv

TOKEN = "xoxb-919046088325-4439853840691-9buajGhktnwfrpV3tN6dK0N0"
TEAM = "T0AUTONOMOS"


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    users: list[dict[str, Any]] = []
    for index in range(140):
        first, last = fv.person(rng)
        bot = index % 35 == 34
        users.append(
            {
                "id": f"U0{index:07d}",
                "team_id": TEAM,
                "name": f"{first}.{last}".lower(),
                "deleted": rng.random() < 0.05,
                "real_name": f"{first} {last}",
                "tz": "Europe/Berlin",
                "tz_offset": 3600,
                "is_admin": index < 3,
                "is_owner": index == 0,
                "is_bot": bot,
                "is_restricted": False,
                "updated": int(fv.moment(rng, 400).timestamp()),
                "profile": {
                    "title": rng.choice(["", "Developer Advocate", "Community member"]),
                    "phone": "",
                    "real_name": f"{first} {last}",
                    "display_name": first,
                    "first_name": first,
                    "last_name": last,
                    "email": fv.email_of(first, last, "community.example.com", index),
                },
            }
        )
    channels: list[dict[str, Any]] = []
    for index, topic in enumerate(
        [
            "general",
            "random",
            "help",
            "announcements",
            "jobs",
            "show-and-tell",
            "dagster",
            "dlt",
            "feedback",
            "events",
        ]
        * 3
    ):
        created = fv.moment(rng, 300)
        channels.append(
            {
                "id": f"C0{index:07d}",
                "name": f"{topic}-{index}" if index >= 10 else topic,
                "is_channel": True,
                "is_private": False,
                "is_archived": index > 25,
                "is_general": topic == "general" and index == 0,
                "created": int(created.timestamp()),
                "creator": users[index % 3]["id"],
                "num_members": rng.randint(5, 900),
                "topic": {"value": f"All about {topic}", "creator": users[0]["id"], "last_set": 0},
                "purpose": {
                    "value": f"Talk about {topic}",
                    "creator": users[0]["id"],
                    "last_set": 0,
                },
            }
        )
    return {"users": users, "channels": channels}


class SlackApi(SandboxApi):
    name = "slack"
    prefix = "api/"

    def build(self, seed: int) -> Records:
        return _data(seed or 47)

    def error(self, status: int, message: str) -> Response:
        code = {401: "invalid_auth", 429: "ratelimited"}.get(status, "internal_error")
        return Response(200 if status == 401 else status, {"ok": False, "error": code})

    def handle(self, request: Request) -> Response:
        token = bearer(request.headers)
        if token is None:
            return Response(200, {"ok": False, "error": "not_authed"})
        if token != TOKEN:
            return self.error(401, "invalid_auth")
        method = request.path.strip("/").removeprefix("api/")
        routes = {
            "users.list": ("users", "members"),
            "conversations.list": ("channels", "channels"),
        }
        if method not in routes:
            return Response(404, {"ok": False, "error": "unknown_method"})
        resource, key = routes[method]
        limit = int_param(request.query, "limit", 100) or 100
        try:
            start = int(base64.b64decode(request.query.get("cursor") or "MA==").decode() or 0)
        except ValueError:
            return Response(200, {"ok": False, "error": "invalid_cursor"})
        rows = self.data[resource]
        following = start + limit
        next_cursor = (
            base64.b64encode(str(following).encode()).decode() if following < len(rows) else ""
        )
        body: dict[str, Any] = {
            "ok": True,
            key: rows[start:following],
            "response_metadata": {"next_cursor": next_cursor},
        }
        return Response(200, body)
