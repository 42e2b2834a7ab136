"""The office exports a demo review's ledger and imports it again: nothing changes; and the same file
imported into a new review gives the same ledger, closed measures included when the office confirms."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role, User
from issues.models import Review
from measures import demo_data
from measures.models import CloseOut, Measure
from reports.exports.ledger import COLUMNS, FIRST_DATA_ROW, LEDGER_SHEET, LedgerExporter
from reports.imports import ledger_import as li

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TITLES = [r["title"] for r in demo_data.REVIEWS]
IDS = ["inspection", "benchmarking", "theme_education", "liangxi"]
PLANNING = ["seq", "category", "problem", "measure", "type", "leader", "lead_department", "supporting", "owner",
            "original_deadline"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("seed_media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, settings, db):
    settings.MEDIA_ROOT = seeded
    settings.PASSWORD_HASHERS = FAST_HASHERS


def office_of(review: Review) -> User:
    return User.objects.get(court=review.court, roles__contains=[Role.RECTIFICATION_OFFICE])


def export(review: Review) -> bytes:
    out = io.BytesIO()
    LedgerExporter(
        measures=Measure.objects.filter(review=review), title=review.title, as_of=timezone.localdate()
    ).render(out)
    return out.getvalue()


def planning_columns(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True)[LEDGER_SHEET]
    keys = list(COLUMNS)
    index = [keys.index(key) for key in PLANNING]
    rows = ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
    return [tuple(row[i] for i in index) + (row[keys.index("status")] == "已完成",) for row in rows]


def snapshot(review: Review) -> tuple:
    measures = Measure.objects.filter(review=review)
    return (
        Measure.history.filter(id__in=measures.values("id")).count(),
        sorted(measures.values_list("id", "version", "status", "completed_on")),
        review.problems.count(), review.categories.count(),
    )


@pytest.mark.parametrize("title", TITLES, ids=IDS)
def test_reimporting_a_demo_reviews_own_ledger_changes_nothing(demo, title):
    review = Review.objects.get(title=title)
    office = office_of(review)
    data = export(review)
    before = snapshot(review)

    plan = li.ledger_import_preview(review=review, actor=office, source=io.BytesIO(data))
    assert [str(e) for e in plan.errors] == []
    assert (plan.created, plan.updated, plan.unchanged) == (0, 0, review.measures.count())

    done = li.ledger_import_commit(
        review=review, actor=office, source=io.BytesIO(data), options=li.Options(close_completed=True)
    )
    assert (done.created, done.updated) == (0, 0)
    assert snapshot(review) == before


@pytest.mark.parametrize("title", TITLES, ids=IDS)
def test_a_demo_ledger_imported_into_a_new_review_gives_the_same_ledger_with_its_closed_measures(demo, title):
    review = Review.objects.get(title=title)
    office = office_of(review)
    copy = Review.objects.create(
        court=review.court, title=f"{review.title}（导入）", source=review.source,
        feedback_date=review.feedback_date, deadline=review.deadline,
    )
    data = export(review)

    plan = li.ledger_import_preview(review=copy, actor=office, source=io.BytesIO(data))
    closed = review.measures.filter(status=Measure.Status.CLOSED)
    assert plan.ok and plan.created == review.measures.count()
    assert plan.completed == closed.count() and plan.closing == 0  # not without the office's confirmation

    li.ledger_import_commit(review=copy, actor=office, source=io.BytesIO(data),
                            options=li.Options(close_completed=True))
    assert planning_columns(export(copy)) == planning_columns(data)
    imported_closed = copy.measures.filter(status=Measure.Status.CLOSED)
    assert imported_closed.count() == closed.count()
    assert CloseOut.objects.filter(
        measure__in=imported_closed, stage=CloseOut.Stage.APPROVED, requested_by=office, office_decided_by=office,
        result__startswith="按台账导入为已销号",
    ).count() == closed.count()
    # each closed measure keeps the day it was closed, read back from the 销号日期 column
    assert sorted((m.text, m.completed_on) for m in imported_closed) == sorted(
        (m.text, m.completed_on) for m in closed)
    # a problem takes its leader and department from its rows when they agree
    for problem in copy.problems.prefetch_related("measures"):
        leaders = {m.responsible_leader_id for m in problem.measures.all()}
        if len(leaders) == 1 and None not in leaders:
            assert problem.responsible_leader_id == leaders.pop()
