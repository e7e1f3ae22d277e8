"""Locust users for bench/api_load.py (run headless by it; loopback only).

BENCH_SCENARIO picks what every user asks, each user at BENCH_USER_RATE requests/s:
  hot    one lookup of a field from a small set, cached by every worker after its first ask
  cold   one lookup of a field nobody asked before (a process-wide counter over the seeded
         fields), so every request is a cache miss: one indexed query
  batch  POST /lookup with 100 fields drawn from the hot set
  health GET /healthz: no auth, no database (the floor of uvicorn + FastAPI + locust)
"""

from __future__ import annotations

import itertools
import os
import random
from urllib.parse import urlencode

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

SCENARIO = os.environ["BENCH_SCENARIO"]
TENANT = os.environ["BENCH_TENANT"]
TOKEN = os.environ["BENCH_TOKEN"]
CONNECTOR = os.environ["BENCH_CONNECTOR"]
FIELDS = int(os.environ["BENCH_FIELDS"])
HOT = int(os.environ["BENCH_HOT"])
PER_TABLE = int(os.environ["BENCH_PER_TABLE"])
_unasked = itertools.count(HOT)  # fields HOT.. are asked once each, by the cold scenario


def field_of(number: int) -> dict[str, str]:
    """The seeded field `number` (bench/api_load.py seeds the same names)."""
    table = f"table_{number // PER_TABLE}"
    return {"connector": CONNECTOR, "table": table, "field": f"field_{number}"}


class LookupUser(FastHttpUser):
    wait_time = constant_throughput(float(os.environ["BENCH_USER_RATE"]))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"/v1/tenants/{TENANT}/lookup"

    @task
    def ask(self) -> None:
        if SCENARIO == "health":
            self.client.get("/healthz", name="healthz")
        elif SCENARIO == "batch":
            fields = [field_of(random.randrange(HOT)) for _ in range(100)]
            self.client.post(self.url, json={"fields": fields}, headers=self.headers,
                             name="batch100")  # fmt: skip
        else:
            number = random.randrange(HOT) if SCENARIO == "hot" else next(_unasked) % FIELDS
            query = urlencode(field_of(number))
            self.client.get(f"{self.url}?{query}", headers=self.headers, name=SCENARIO)
