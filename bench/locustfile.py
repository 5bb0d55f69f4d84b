"""The load test's users (run by bench/load.py; `make load`).

A mix of the people who use the product on a working day: township clerks browse, search, open
and register cases; handlers open their queue and report progress on cases they handle;
managers read the dashboard, filter lists and open cases. Every request goes through the real
login, CSRF tokens and forms, as a browser would send them.
"""

from __future__ import annotations

import os
import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

# The demo county keeps Beijing time, whatever zone the machine running locust has.
BEIJING = ZoneInfo("Asia/Shanghai")

PASSWORD = "Demo@2026"  # noqa: S105 — the demo county's documented password
CASE_LINK = re.compile(r'href="/cases/show/(\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEYWORDS = ["养殖场", "拖欠工资", "宅基地", "征地补偿", "物业", "噪音", "村道", "低保"]
STATUSES = ["registered", "accepted", "handling", "replied", "closed"]


# Seconds a user takes between two actions (reading the page, filling in a form):
# XF_LOAD_WAIT="low,high". 3–10 s is a busy office; "1,3" is a stress test (see bench/RESULTS.md).
WAIT = tuple(float(x) for x in os.environ.get("XF_LOAD_WAIT", "3,10").split(","))


class Staff(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/login/", name="/login/").text
        token = CSRF.search(page)
        form = {"username": self.username, "password": PASSWORD}
        if token:
            form["csrf_token"] = token.group(1)
        response = self.client.post("/login/", data=form, name="/login/ [POST]", allow_redirects=False)
        if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
            raise RuntimeError(f"login as {self.username} failed: {response.status_code}")
        self.case_ids: list[int] = []

    def browse(self, query: str = "", name: str = "/cases/list/") -> None:
        page = self.client.get(f"/cases/list/{query}", name=name).text
        found = [int(i) for i in CASE_LINK.findall(page)]
        if found:
            self.case_ids = found

    def home(self, name: str) -> None:
        """The home page, and its figure cards' data as the browser then fetches it."""
        page = self.client.get("/", name=name).text
        if "/reports/dashboard/data" in page:
            self.client.get("/reports/dashboard/data", name="/reports/dashboard/data")

    def open_case(self) -> str | None:
        if not self.case_ids:
            self.browse()
        if not self.case_ids:
            return None
        case_id = random.choice(self.case_ids)
        return self.client.get(f"/cases/show/{case_id}", name="/cases/show/[id]").text


class Clerk(Staff):
    weight = 5
    username = "clerk"

    @task(4)
    def list_cases(self) -> None:
        self.browse()

    @task(2)
    def filter_cases(self) -> None:
        self.browse(f"?q_status={random.choice(STATUSES)}", "/cases/list/?q_status")

    @task(2)
    def search(self) -> None:
        self.browse(f"?q_keyword={random.choice(KEYWORDS)}", "/cases/list/?q_keyword")

    @task(3)
    def open(self) -> None:
        self.open_case()

    @task(1)
    def register(self) -> None:
        page = self.client.get("/cases/add", name="/cases/add").text
        token = CSRF.search(page)
        township = re.search(r'<select[^>]*name="township".*?<option[^>]*value="(\d+)"', page, re.S)
        if not (token and township):
            return
        form = {
            "csrf_token": token.group(1),
            "channel": "visit",
            "received_at": (datetime.now(BEIJING) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
            "category": "claim",
            "subject": "__None",
            "title": f"压力测试登记：{random.choice(KEYWORDS)}问题",
            "content": "群众来访反映的问题，压力测试生成。",
            "demands": "请求依法处理",
            "people_count": "1",
            "township": township.group(1),
            "village": "__None",
            "responsible_unit": "__None",
            "petitioners-0-name": "测试人",
            "petitioners-0-id_number": "",
            "petitioners-0-phone": f"139{random.randint(0, 99_999_999):08d}",
            "petitioners-0-address": "",
            "petitioners-0-id": "",
            "repeat_of": "new",
        }
        with self.client.post("/cases/add", data=form, name="/cases/add [POST]",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"registration refused: {response.status_code}")


class Handler(Staff):
    weight = 3
    username = "handler"

    @task(3)
    def queue(self) -> None:
        self.home("/ (work queue)")

    @task(3)
    def handling(self) -> None:
        self.browse("?q_status=handling", "/cases/list/?q_status")

    @task(2)
    def report_progress(self) -> None:
        if not self.case_ids:
            self.browse("?q_status=handling", "/cases/list/?q_status")
        if not self.case_ids:
            return
        case_id = random.choice(self.case_ids)
        page = self.client.get(f"/cases/show/{case_id}", name="/cases/show/[id]").text
        form = re.search(r'<form[^>]*action="/cases/step/\d+/report_progress".*?</form>', page, re.S)
        if form is None:  # no longer handled by this unit
            return
        values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
        values["text"] = "已约谈双方当事人，正在核实情况。"
        with self.client.post(f"/cases/step/{case_id}/report_progress", data=values,
                              name="/cases/step/[id]/report_progress", allow_redirects=False,
                              catch_response=True) as response:
            # 409: someone else moved the case first — the product refuses, as it should.
            if response.status_code in (302, 409):
                response.success()
            else:
                response.failure(f"step refused: {response.status_code}")


class Manager(Staff):
    weight = 2
    username = "county_manager"

    @task(3)
    def dashboard(self) -> None:
        self.home("/ (dashboard)")

    @task(2)
    def filter_cases(self) -> None:
        self.browse(f"?q_status={random.choice(STATUSES)}&q_category=claim", "/cases/list/?q_status")

    @task(2)
    def open(self) -> None:
        self.open_case()
