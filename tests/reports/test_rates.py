"""A leader reads the same completion rate, defined the same way, on the dashboard, in the bulletin
and in the ledger's 汇总: 长期坚持 measures are counted apart as 持续推进, never in the denominator."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from reports import bulletin_render, bulletins, rates

from .. import factories as f

DEFINITION = "已销号的整改措施数÷应销号的整改措施数（长期坚持类措施不销号，另计为“持续推进”）"


@pytest.fixture
def three_kinds(org, review, drive):
    """One measure closed, one in progress, one 长期坚持: 1 of 2 to close is done — 50.0%, not 33.3%."""
    with time_machine.travel(f.shanghai(2026, 5, 10, 10), tick=False):
        problem = f.ProblemFactory(category=f.CategoryFactory(review=review, name="党的建设方面"))
        common = {"problem": problem, "lead_department": org.dept_a, "responsible_leader": org.leader_a}
        done = f.MeasureFactory(text="建立学习制度", original_deadline=datetime.date(2026, 12, 31), **common)
        going = f.MeasureFactory(text="开展专项清理", original_deadline=datetime.date(2026, 12, 31), **common)
        f.MeasureFactory(text="坚持每周调度", read_only_continuing=True, **common)
        drive.in_progress(going)
    with time_machine.travel(f.shanghai(2026, 6, 10, 10), tick=False):
        drive.closed(done)
    return review


def test_dashboard_bulletin_and_ledger_state_one_rate_with_its_definition(client, org, three_kinds):
    review = three_kinds
    with time_machine.travel(f.shanghai(2026, 7, 2, 10), tick=False):
        client.force_login(org.office)
        page = client.get(reverse("review_dashboard", args=[review.pk]))
        bulletin = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1),
                                               period_end=datetime.date(2026, 6, 30))
        ledger = client.get(reverse("ledger_export") + f"?review={review.pk}")

    assert page.context["dashboard"].tiles["measure_rate"] == 50.0
    html = page.content.decode()
    assert f"完成率：{DEFINITION}" in html  # next to the tile and under the figures

    docx = "\n".join(p.text for p in Document(io.BytesIO(bulletin_render.render_docx(bulletin))).paragraphs)
    assert "完成率50.0%" in docx and f"注：完成率＝{DEFINITION}。" in docx

    rows = [list(r) for r in load_workbook(io.BytesIO(b"".join(ledger.streaming_content)))["汇总"].iter_rows(
        values_only=True)]
    total = next(r for r in rows if r[0] == "合计")
    assert total[-1] == 0.5
    assert any(r[0] == f"注：完成率＝{DEFINITION}。应销号措施数＝已完成＋推进中＋未启动。" for r in rows)


@pytest.mark.parametrize("status,type_,bucket", [
    ("closed", "deadline", rates.CLOSED),
    ("closeout_requested", "deadline", rates.IN_PROGRESS),
    ("in_progress", "immediate", rates.IN_PROGRESS),
    ("not_started", "deadline", rates.NOT_STARTED),
    ("not_started", "ongoing", rates.ONGOING),  # 长期坚持 not yet started is still 长期坚持
    ("ongoing", "ongoing", rates.ONGOING),
])
def test_every_measure_falls_in_exactly_one_bucket(status, type_, bucket):
    assert rates.measure_bucket(status=status, type_=type_) == bucket


def test_a_rate_over_nothing_to_close_is_no_rate_not_zero():
    assert rates.completion_rate(0, 0) is None
    assert rates.rate_text(None) == "—"
    assert rates.completion_rate(38, 56) == 67.9
