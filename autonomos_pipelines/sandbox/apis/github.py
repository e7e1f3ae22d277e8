"""GitHub REST API: a repository's issues (state=all) and an organisation's members; arrays
in the body, RFC 5988 Link header pagination (per_page/page)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv

TOKEN = "github_pat_11XUGX93MC4U1H7PRPQ74PMQ_zcriWPnG4H1gU92He9sh1bzEjHUlmOsfRgB9Acbc"
OWNER, REPO = "autonomos-demo", "platform"
LABELS = [
    ("bug", "d73a4a"),
    ("enhancement", "a2eeef"),
    ("question", "d876e3"),
    ("customer", "0e8a16"),
]


def _user(login: str, user_id: int, admin: bool = False) -> dict[str, Any]:
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": admin,
    }


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    members: list[dict[str, Any]] = []
    for index in range(30):
        first, last = fv.person(rng)
        login = f"{first}{last}".lower().replace(" ", "").replace("-", "")[:14] + str(index)
        members.append(_user(login, 580000 + index, admin=index == 0))
    issues: list[dict[str, Any]] = []
    for number in range(1, 211):
        author, created = rng.choice(members), fv.moment(rng, 500)
        closed = rng.random() < 0.55
        updated = created + timedelta(hours=rng.randint(1, 900))
        assignee = rng.choice([None, *members[:6]])
        issues.append(
            {
                "id": 1900000000 + number,
                "node_id": f"I_kwDO{number:08d}",
                "url": f"https://api.github.com/repos/{OWNER}/{REPO}/issues/{number}",
                "html_url": f"https://github.com/{OWNER}/{REPO}/issues/{number}",
                "number": number,
                "title": rng.choice(
                    [
                        "Sync fails on large accounts",
                        "Add SAML login",
                        "Dashboard loads slowly",
                        "Typo in invoice email",
                    ]
                ),
                "user": author,
                "state": "closed" if closed else "open",
                "state_reason": "completed" if closed else None,
                "locked": False,
                "labels": [
                    {"id": 4000 + i, "name": name, "color": color, "default": i < 3}
                    for i, (name, color) in enumerate(LABELS)
                    if rng.random() < 0.35
                ],
                "assignee": assignee,
                "assignees": [assignee] if assignee else [],
                "milestone": None,
                "comments": rng.randint(0, 12),
                "created_at": fv.iso_seconds(created),
                "updated_at": fv.iso_seconds(updated),
                "closed_at": fv.iso_seconds(updated) if closed else None,
                "author_association": rng.choice(["MEMBER", "CONTRIBUTOR", "NONE"]),
                "body": "Steps to reproduce: ...",
                "reactions": {"total_count": rng.randint(0, 9)},
            }
        )
    issues.sort(key=lambda row: row["created_at"], reverse=True)  # GitHub's default order
    return {"issues": issues, "members": members}


class GitHubApi(SandboxApi):
    name = "github"

    def build(self, seed: int) -> Records:
        return _data(seed or 41)

    def error(self, status: int, message: str) -> Response:
        return Response(
            status,
            {
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": str(status),
            },
        )

    def handle(self, request: Request) -> Response:
        if bearer(request.headers) != TOKEN:
            return self.error(401, "Bad credentials")
        path = request.path.strip("/")
        routes = {f"repos/{OWNER}/{REPO}/issues": "issues", f"orgs/{OWNER}/members": "members"}
        if path not in routes:
            return self.error(404, "Not Found")
        per_page = min(int_param(request.query, "per_page", 30) or 30, 100)
        page = max(int_param(request.query, "page", 1) or 1, 1)
        rows = self.data[routes[path]]
        last = max(1, -(-len(rows) // per_page))
        links: list[str] = []
        if page < last:
            links.append(
                f"<{request.base_url}/{path}?per_page={per_page}&page={page + 1}"
                + (f"&state={request.query['state']}" if "state" in request.query else "")
                + '>; rel="next"'
            )
            links.append(f'<{request.base_url}/{path}?per_page={per_page}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Response(200, rows[(page - 1) * per_page : page * per_page], headers)

    def refresh(self, record: dict[str, Any], serial: int, now) -> None:
        record["id"] = 2_000_000_000 + serial
        if "number" in record:
            record["number"] = 10_000 + serial
