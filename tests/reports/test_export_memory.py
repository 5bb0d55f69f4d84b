"""Exports stream: the memory an export needs does not grow with its number of rows.

Measured with tracemalloc (Python allocations) while the response is consumed chunk by chunk,
the way a browser downloads it: five times the rows must not need noticeably more memory.
(bench/run.py measures the server process's resident memory on 1,000,000 cases.)
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import datetime, timedelta

from app.core import xlsx
from tests.reports.support import add_cases, org_id


def _rows(n: int):
    for i in range(n):
        yield [f"XF2026-{i:06d}", "2026-01-02 09:30", "来访", "张三、李四", "城关镇", "申诉求决类",
               "反映村道施工长期停工，影响出行" * 2, "办理中", i]


def _peak(consume) -> int:
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_xlsx_stream_memory_is_flat():
    def run(n: int) -> None:
        for _chunk in xlsx.stream("测试", ["编号", "时间", "渠道", "信访人", "乡镇", "类别", "标题", "状态", "序号"], _rows(n)):
            pass

    small, large = _peak(lambda: run(5_000)), _peak(lambda: run(50_000))
    assert large < small * 1.5 + 512 * 1024, (small, large)
    assert large < 16 * 2**20


def test_streamed_xlsx_is_a_valid_workbook():
    data = b"".join(xlsx.stream("测试", ["编号", "序号"], ([f"n{i}", i] for i in range(5000))))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert "xl/worksheets/sheet1.xml" in archive.namelist()


def test_list_export_memory_does_not_grow_with_rows(app, db_session, client_as):
    town = org_id(db_session, "城关镇")
    start = datetime(2015, 1, 1)
    add_cases(db_session, [{"township_id": town, "received_at": start + timedelta(minutes=i)} for i in range(12_000)])
    client = client_as("county_manager")
    for fmt in ("csv", "xlsx"):
        _assert_flat(client, fmt)


def _assert_flat(client, fmt: str) -> None:
    def export(query: str) -> int:
        response = client.post(f"/cases/export/{fmt}?{query}", buffered=False)
        assert response.status_code == 200
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        return size

    # 1,440 rows (the cases received on the first day) against all 12,000+ rows.
    small = _peak(lambda: export("q_to=2015-01-01"))
    large = _peak(lambda: export(""))
    assert large < small * 1.5 + 2 * 2**20, (fmt, small, large)
