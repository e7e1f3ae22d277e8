"""The MongoDB sandbox: mongomock (a pymongo-compatible in-memory fake; there is no MongoDB
server package here) seeded with a support desk's documents: nested requester, comments."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.data import fake_values as fv

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def helpdesk(seed: int = 61) -> dict[str, list[dict[str, Any]]]:
    from bson import ObjectId

    rng = random.Random(seed)
    agents: list[dict[str, Any]] = []
    for index in range(10):
        first, last = fv.person(rng)
        agents.append(
            {
                "_id": ObjectId(f"{0xA6E470 + index:024x}"),
                "name": f"{first} {last}",
                "email": fv.email_of(first, last, "helpdesk.example.com", index),
                "role": rng.choice(["agent", "lead"]),
                "active": True,
                "created_at": fv.moment(rng, 300),
            }
        )
    tickets: list[dict[str, Any]] = []
    for index in range(200):
        first, last = fv.person(rng)
        company = fv.org(rng, index)
        opened = fv.moment(rng, 500)
        status = rng.choice(["open", "pending", "resolved", "closed"])
        tickets.append(
            {
                "_id": ObjectId(f"{0x7C0000 + index:024x}"),
                "number": 5000 + index,
                "title": rng.choice(
                    ["Password reset loop", "Charge disputed", "Export is empty", "Webhook retries"]
                ),
                "body": "Customer report ...",
                "status": status,
                "priority": rng.choice(["P1", "P2", "P3", "P4"]),
                "channel": rng.choice(["email", "chat", "phone"]),
                "requester": {
                    "name": f"{first} {last}",
                    "company": company["name"],
                    "email": fv.email_of(first, last, company["domain"], index),
                },
                "assignee_id": rng.choice(agents)["_id"],
                "tags": rng.sample(["billing", "bug", "how-to", "urgent"], 2),
                "comments": [
                    {
                        "author": "customer",
                        "text": "Please help",
                        "at": opened + timedelta(minutes=5),
                    }
                ],
                "csat": rng.choice([None, 1, 2, 3, 4, 5]),
                "opened_at": opened,
                "first_reply_at": opened + timedelta(minutes=rng.randint(5, 600)),
                "resolved_at": opened + timedelta(hours=rng.randint(1, 96))
                if status in ("resolved", "closed")
                else None,
                "updated_at": opened + timedelta(hours=rng.randint(1, 200)),
            }
        )
    return {"tickets": tickets, "agents": agents}


DATASETS = {"helpdesk": helpdesk}


def sandbox_client(dataset: str) -> Any:
    """One seeded mongomock client per dataset per process (database 'helpdesk')."""
    import mongomock

    with _lock:
        if dataset not in _clients:
            if dataset not in DATASETS:
                raise ValueError(f"no MongoDB sandbox dataset {dataset!r}; have {sorted(DATASETS)}")
            client: Any = mongomock.MongoClient(tz_aware=True)
            for name, documents in DATASETS[dataset]().items():
                client[dataset][name].insert_many(documents)
            _clients[dataset] = client
        return _clients[dataset]
