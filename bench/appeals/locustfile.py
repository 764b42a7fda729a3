"""Locust scenario for bench/appeals_load.py (runs inside a throw-away virtualenv under /tmp, never the project's).

Enterprise users (sessions prepared by the driver) file appeals through the JSON API with an Idempotency-Key on
every POST — some of them deliberately sent twice — and read their own appeals; office staff list the 台账 page.
Every acknowledged filing (2xx) is appended to ACK_FILE as "key<TAB>appeal id<TAB>number" for the post-run count.
"""

from __future__ import annotations

import json
import os
import random
import uuid

from locust import FastHttpUser, between, constant_throughput, events, task

SESSIONS = json.load(open(os.environ["BENCH_SESSIONS"]))  # noqa: SIM115
ACK_FILE = os.environ["BENCH_ACK_FILE"]
RETRY_SHARE = float(os.environ.get("BENCH_RETRY_SHARE", "0.1"))
FILE_RATE = float(os.environ.get("BENCH_FILE_RATE_PER_USER", "1.0"))
RUN_TAG = os.environ.get("BENCH_RUN_TAG", "run")
_ack = open(ACK_FILE, "a", buffering=1)  # noqa: SIM115 - one line per acknowledged filing, flushed per line
_enterprise_index = 0
_office_index = 0


def _headers(session: dict, extra: dict | None = None) -> dict:
    headers = {"Cookie": f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}"}
    headers.update(extra or {})
    return headers


class Enterprise(FastHttpUser):
    weight = 20
    # Each enterprise user files at FILE_RATE a second on average, with reads in between (see the task weights).
    wait_time = constant_throughput(FILE_RATE * 1.5)

    def on_start(self) -> None:
        global _enterprise_index
        self.session = SESSIONS["enterprise"][_enterprise_index % len(SESSIONS["enterprise"])]
        _enterprise_index += 1
        self.category_ids = SESSIONS["categories"]
        self.mine: list[int] = []

    def _file(self, key: str, body: dict, name: str) -> None:
        headers = _headers(
            self.session,
            {"X-CSRFToken": self.session["csrftoken"], "Idempotency-Key": key, "Content-Type": "application/json"},
        )
        with self.client.post(
            "/api/v1/appeals/", data=json.dumps(body), headers=headers, name=name, catch_response=True
        ) as response:
            appeal_id = None
            if response.status_code in (200, 201):
                appeal = (response.json() or {}).get("appeal") or {}
                appeal_id = appeal.get("id")
            if appeal_id:
                _ack.write(f"{key}\t{appeal_id}\t{appeal.get('number')}\t{response.status_code}\n")
                if appeal_id not in self.mine:
                    self.mine.append(appeal_id)
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")

    @task(10)
    def file_appeal(self) -> None:
        key = f"{RUN_TAG}-{uuid.uuid4().hex}"
        body = {
            "category_id": random.choice(self.category_ids),
            "title": f"基准测试诉求 {key}",
            "description": "厂房用电增容申请已提交一个月仍未办理,影响新产线投产。",
            "urgency": random.choice(["normal"] * 8 + ["urgent", "critical"]),
            "contact_name": "张经理",
            "contact_phone": "13907241234",
        }
        self._file(key, body, "POST /api/v1/appeals")
        if random.random() < RETRY_SHARE:
            # The client "lost" the answer and retries with the same key: must return the same appeal.
            self._file(key, body, "POST /api/v1/appeals (retry, same Idempotency-Key)")

    @task(4)
    def read_own(self) -> None:
        if not self.mine:
            return
        appeal_id = random.choice(self.mine[-20:])
        self.client.get(f"/api/v1/appeals/{appeal_id}", headers=_headers(self.session), name="GET /api/v1/appeals/{id}")

    @task(1)
    def list_own(self) -> None:
        self.client.get("/api/v1/appeals/?page_size=20", headers=_headers(self.session), name="GET /api/v1/appeals")


class Office(FastHttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        global _office_index
        self.session = SESSIONS["office"][_office_index % len(SESSIONS["office"])]
        _office_index += 1

    @task(4)
    def ledger(self) -> None:
        self.client.get("/appeals/ledger/", headers=_headers(self.session), name="GET /appeals/ledger/")

    @task(1)
    def ledger_red(self) -> None:
        self.client.get(
            "/appeals/ledger/?colour=red", headers=_headers(self.session), name="GET /appeals/ledger/?colour=red"
        )


@events.quitting.add_listener
def _close(environment, **kwargs) -> None:
    _ack.close()
