"""Stand-ins for the leaders area's "upcoming published slots" (the portal reads any of these)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace


def upcoming() -> list:
    return [
        {"starts_at": datetime(2030, 5, 6, 9, 0), "ends_at": datetime(2030, 5, 6, 11, 30),
         "leader_name": "周德明", "leader_title": "县长", "place": "县信访局接待大厅",
         "subjects": ["征地拆迁", "劳动社保"]},
        SimpleNamespace(start=datetime(2030, 5, 8, 14, 0), leader=SimpleNamespace(name="<b>马庆丰</b>"),
                        position="河东镇党委书记", location="河东镇便民服务中心", topics="农村农业"),
    ]


def broken() -> list:
    raise RuntimeError("the leaders area failed")
