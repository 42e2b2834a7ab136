"""The rectification office imports a court's existing ledger into a review: preview, then all or nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from issues.models import Category, Problem
from measures.models import Measure
from reports.imports import ledger_import as li

from .. import factories as f

FEEDBACK = datetime.date(2020, 7, 16)


@pytest.fixture(autouse=True)
def _on_day():
    with time_machine.travel(f.shanghai(2020, 9, 1, 10), tick=False):
        yield


@pytest.fixture
def empty_review(org):
    return f.ReviewFactory(court=org.court, title="市委第二巡察组反馈意见整改", feedback_date=FEEDBACK,
                           deadline=datetime.date(2021, 7, 16))


def xlsx(rows: list[list], merges: tuple[str, ...] = ()) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


PLAIN_HEADER = ["序号", "问题类别", "具体问题", "整改措施", "责任领导", "牵头部门", "配合部门", "责任人", "整改时限"]


def plain(*rows) -> io.BytesIO:
    return xlsx([PLAIN_HEADER, *rows])


def row(seq=1, category="政治建设方面", problem="理论学习不深入", measure="制定学习计划", leader="副院长 赵副院长",
        dept="立案庭", supporting="", owner="", deadline="2020年12月底前"):
    return [seq, category, problem, measure, leader, dept, supporting, owner, deadline]


def preview(review, org, source, mapping=None):
    return li.ledger_import_preview(review=review, actor=org.office, source=source, mapping=mapping)


def commit(review, org, source, mapping=None):
    return li.ledger_import_commit(review=review, actor=org.office, source=source, mapping=mapping)


# --- header recognition ------------------------------------------------------------------------

def test_office_imports_a_court_ledger_with_title_rows_and_a_two_row_header(org, empty_review):
    source = xlsx(
        [
            ["某市中级人民法院巡察整改工作台账"],
            ["填报单位：政治部", None, None, None, None, None, None, "2020年9月1日"],
            ["序号", "存在问题", "整改措施", "完成时限", "责任分工", None, None, "整改进展", "问题类别"],
            [None, None, None, None, "分管院领导", "责任部门", "具体责任人", None, None],
            [1, "理论学习不深入", "制定学习计划", "2020年12月31日", "副院长 赵副院长", "立案庭", "张立案", "已印发", "政治建设"],
            [2, None, "开展专题研讨", "立行立改", None, "刑事审判庭", None, None, None],
        ],
        merges=("A1:I1", "E3:G3", "B5:B6", "E5:E6", "I5:I6"),
    )
    plan = preview(empty_review, org, source)
    assert plan.ok, [str(e) for e in plan.errors]
    fields = {c.header: c.field for c in plan.columns}
    assert fields == {
        "序号": "seq", "存在问题": "problem", "整改措施": "measure", "完成时限": "deadline", "分管院领导": "leader",
        "责任部门": "lead_department", "具体责任人": "owner", "整改进展": "progress", "问题类别": "category",
    }
    assert [c.header for c in plan.not_imported] == ["整改进展"]
    assert plan.created == 2 and plan.new_problems == 1 and plan.new_categories == ["政治建设"]

    commit(empty_review, org, source.getvalue() and io.BytesIO(source.getvalue()))
    first, second = Measure.objects.filter(review=empty_review).order_by("order")
    assert (first.text, first.original_deadline, first.responsible_leader, first.owner) == (
        "制定学习计划", datetime.date(2020, 12, 31), org.leader_a, org.staff_a)
    # merged 具体问题 and 分管院领导 cells fill the second measure too
    assert second.problem == first.problem and second.responsible_leader == org.leader_a
    assert (second.type, second.original_deadline, second.lead_department) == (
        Measure.Type.IMMEDIATE, None, org.dept_b)
    assert first.problem.category.name == "政治建设"


def test_plain_sheet_writes_the_problem_once_and_it_fills_down(org, empty_review):
    source = plain(row(1), row(2, category=None, problem=None, measure="开展专题研讨"),
                   row(3, category="队伍建设方面", problem="培养不足", measure="建立人才库"))
    commit(empty_review, org, source)
    assert Problem.objects.filter(review=empty_review).count() == 2
    assert Measure.objects.get(text="开展专题研讨").problem.description == "理论学习不深入"


def test_an_unrecognised_column_is_mapped_in_the_preview(org, empty_review):
    source = xlsx([["具体问题", "整改措施", "承办庭室"], ["理论学习不深入", "制定学习计划", "立案庭"]])
    plan = preview(empty_review, org, source)
    assert [(c.index, c.header) for c in plan.unmapped] == [(2, "承办庭室")]
    source.seek(0)
    plan = preview(empty_review, org, source, mapping={2: "lead_department"})
    assert plan.ok and plan.rows[0].values["lead_department"] == org.dept_a


def test_missing_measure_column_is_reported(org, empty_review):
    plan = preview(empty_review, org, xlsx([["序号", "具体问题", "问题类别", "备注"], [1, "问题", "类别", ""]]))
    assert [(e.row, e.column) for e in plan.errors] == [(None, "整改措施")]


def test_a_file_that_is_not_a_workbook_is_refused(org, empty_review):
    plan = preview(empty_review, org, io.BytesIO(b"not a zip"))
    assert not plan.ok and plan.errors[0].row is None


# --- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "deadline", "measure_type"), [
    (datetime.datetime(2020, 12, 31), datetime.date(2020, 12, 31), Measure.Type.DEADLINE),
    ("2020-12-31", datetime.date(2020, 12, 31), Measure.Type.DEADLINE),
    ("2020年12月31日", datetime.date(2020, 12, 31), Measure.Type.DEADLINE),
    ("2020年12月底前", datetime.date(2020, 12, 31), Measure.Type.DEADLINE),
    ("2021年2月底前", datetime.date(2021, 2, 28), Measure.Type.DEADLINE),
    ("12月底前", datetime.date(2020, 12, 31), Measure.Type.DEADLINE),  # the year of the feedback
    ("11月30日前", datetime.date(2020, 11, 30), Measure.Type.DEADLINE),
    ("2020年底前", datetime.date(2020, 12, 31), Measure.Type.DEADLINE),
    ("立行立改", None, Measure.Type.IMMEDIATE),
    ("长期坚持", None, Measure.Type.ONGOING),
])
def test_each_written_form_of_a_deadline(org, empty_review, written, deadline, measure_type):
    commit(empty_review, org, plain(row(deadline=written)))
    measure = Measure.objects.get(review=empty_review)
    assert (measure.original_deadline, measure.current_deadline, measure.type) == (deadline, deadline, measure_type)


@pytest.mark.parametrize("written", ["2020年13月", "2020-02-30", "下个月", "13月底前"])
def test_an_unrecognised_date_is_an_error_naming_row_and_column(org, empty_review, written):
    plan = preview(empty_review, org, plain(row(), row(2, measure="第二项", deadline=written)))
    assert [(e.row, e.column) for e in plan.errors] == [(3, "整改时限")]
    assert written in plan.errors[0].message
    assert "3" in str(plan.errors[0]) and "整改时限" in str(plan.errors[0])


def test_a_deadline_before_the_feedback_date_is_an_error(org, empty_review):
    plan = preview(empty_review, org, plain(row(deadline="2020-07-01")))
    assert [(e.row, e.column) for e in plan.errors] == [(2, "整改时限")]


# --- names -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["赵副院长", "副院长 赵副院长", "常务副院长　赵副院长", "副院长赵副院长"])
def test_leader_names_with_a_title_match_the_user(org, empty_review, written):
    plan = preview(empty_review, org, plain(row(leader=written)))
    assert plan.ok and plan.rows[0].values["responsible_leader"] == org.leader_a


def test_unknown_names_are_reported_never_created(org, empty_review):
    users = User.objects.count()
    plan = preview(empty_review, org, plain(row(leader="院长 不存在", dept="不存在庭", owner="张立案、李刑庭",
                                                supporting="刑事审判庭、无此部门")))
    assert {e.column for e in plan.errors} == {"责任领导", "牵头部门", "责任人", "配合部门"}
    assert [e.row for e in plan.errors if e.column != "责任领导"] == [2, 2, 2]
    assert list(plan.unknown_people) == ["不存在"]  # listed once, for the office to map
    assert User.objects.count() == users


def test_a_leader_must_be_a_court_leader(org, empty_review):
    plan = preview(empty_review, org, plain(row(leader="张立案")))
    assert [e.column for e in plan.errors] == ["责任领导"]


def test_an_unknown_type_is_an_error(org, empty_review):
    source = xlsx([["具体问题", "整改措施", "整改类型"], ["问题", "措施", "马上办"]])
    assert [e.column for e in preview(empty_review, org, source).errors] == ["整改类型"]


def test_the_same_measure_twice_is_an_error(org, empty_review):
    plan = preview(empty_review, org, plain(row(1), row(2)))
    assert [(e.row, e.column) for e in plan.errors] == [(3, "整改措施")]


# --- all or nothing, idempotent --------------------------------------------------------------------

def test_a_failing_row_rolls_back_the_whole_import(org, empty_review):
    # A category name longer than the database allows passes the preview but is refused when written.
    source = plain(row(1), row(2, category="长" * 250, problem="另一个问题", measure="另一项措施"))
    assert preview(empty_review, org, source).ok
    source.seek(0)
    with pytest.raises(li.LedgerImportError) as refused:
        commit(empty_review, org, source)
    assert refused.value.preview.errors[-1].row == 3
    assert not Measure.objects.filter(review=empty_review).exists()
    assert not Category.objects.filter(review=empty_review).exists()
    assert not Problem.objects.filter(review=empty_review).exists()


def test_commit_with_errors_writes_nothing(org, empty_review):
    with pytest.raises(li.LedgerImportError):
        commit(empty_review, org, plain(row(1), row(2, measure="第二项", deadline="2020年13月")))
    assert not Measure.objects.filter(review=empty_review).exists()


def test_reimporting_the_same_file_changes_nothing(org, empty_review):
    data = plain(row(1, supporting="刑事审判庭", owner="张立案"), row(2, measure="开展专题研讨")).getvalue()
    commit(empty_review, org, io.BytesIO(data))
    before = {m.pk: (m.version, m.history.count()) for m in Measure.objects.filter(review=empty_review)}
    again = commit(empty_review, org, io.BytesIO(data))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert {m.pk: (m.version, m.history.count()) for m in Measure.objects.filter(review=empty_review)} == before
    assert Category.objects.filter(review=empty_review).count() == 1


def test_an_edited_row_updates_its_measure_through_the_workflow(org, empty_review):
    commit(empty_review, org, plain(row(1), row(2, measure="开展专题研讨")))
    measure = Measure.objects.get(text="开展专题研讨")
    # the measure text was reworded in Excel, the deadline and the department changed: 序号 2 finds it
    source = plain(row(1), row(2, measure="开展专题研讨并形成报告", dept="刑事审判庭", deadline="2021-03-31"))
    plan = preview(empty_review, org, source)
    assert (plan.created, plan.updated, plan.unchanged) == (0, 1, 1)
    assert set(plan.rows[1].changes) == {"整改措施", "牵头部门", "原定时限"}
    source.seek(0)
    commit(empty_review, org, source)
    measure.refresh_from_db()
    assert (measure.text, measure.lead_department, measure.original_deadline) == (
        "开展专题研讨并形成报告", org.dept_b, datetime.date(2021, 3, 31))
    assert measure.history.first().history_user == org.office


# --- round trip ---------------------------------------------------------------------------------

def _ledger(client, user, review) -> list[list]:
    client.force_login(user)
    response = client.get(reverse("ledger_export") + f"?review={review.pk}")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in wb["整改台账"].iter_rows(min_row=3, values_only=True)], wb


def test_export_then_import_into_an_empty_review_then_export_gives_the_same_ledger(client, org, empty_review):
    source_review = f.ReviewFactory(court=org.court, feedback_date=FEEDBACK)
    first = f.CategoryFactory(review=source_review, name="政治建设方面", order=1)
    second = f.CategoryFactory(review=source_review, name="作风建设方面", order=2)
    p1 = f.ProblemFactory(category=first, description="理论学习不深入", order=1)
    p2 = f.ProblemFactory(category=second, description="=办案作风拖沓", order=1)
    common = {"responsible_leader": org.leader_a, "lead_department": org.dept_a}
    f.MeasureFactory(problem=p1, order=1, text="制定学习计划", original_deadline=datetime.date(2020, 12, 31),
                     owner=org.staff_a, supporting_departments=[org.dept_b, org.office_dept], **common)
    f.MeasureFactory(problem=p1, order=2, text="坚持每周学习", ongoing=True, **common)
    f.MeasureFactory(problem=p2, order=1, text="+清理长期未结案件", immediate=True, original_deadline=None, **common)
    f.MeasureFactory(problem=p2, order=2, text="立即整改台账", immediate=True,
                     original_deadline=datetime.date(2020, 8, 31), **common)
    exported, wb = _ledger(client, org.office, source_review)
    data = io.BytesIO()
    wb.save(data)

    done = commit(empty_review, org, io.BytesIO(data.getvalue()))
    assert (done.created, len(done.new_categories), done.new_problems) == (4, 2, 2)
    again, _ = _ledger(client, org.office, empty_review)
    assert again == exported
    # and importing the export into the review it came from changes nothing
    assert commit(source_review, org, io.BytesIO(data.getvalue())).unchanged == 4


# --- who may import --------------------------------------------------------------------------------

def test_only_the_rectification_office_imports(org, empty_review):
    for user in (org.staff_a, org.leader_a, org.discipline):
        with pytest.raises(PermissionDenied):
            li.ledger_import_preview(review=empty_review, actor=user, source=plain(row()))


def test_office_uploads_previews_and_commits_in_the_browser(client, org, empty_review):
    client.force_login(org.office)
    url = reverse("ledger_import_upload", args=[empty_review.pk])
    upload = plain(row(1), row(2, measure="开展专题研讨", deadline="2020年13月"))
    upload.name = "台账.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200
    assert "2020年13月" in page.content.decode() and 'data-testid="error-list"' in page.content.decode()
    refused = client.post(response.url, {"action": "commit"})
    assert refused.status_code == 200 and not Measure.objects.filter(review=empty_review).exists()

    upload = plain(row(1), row(2, measure="开展专题研讨"))
    upload.name = "台账.xlsx"
    response = client.post(url, {"file": upload})
    done = client.post(response.url, {"action": "commit"})
    assert done.status_code == 302 and done.url == reverse("review_detail", args=[empty_review.pk])
    assert Measure.objects.filter(review=empty_review).count() == 2


def test_staff_and_other_courts_cannot_open_the_import(client, org, empty_review):
    url = reverse("ledger_import_upload", args=[empty_review.pk])
    client.force_login(org.staff_a)
    assert client.get(url).status_code in (403, 404)
    client.force_login(org.discipline)
    assert client.get(url).status_code == 403
    client.force_login(org.basic_office)
    assert client.get(url).status_code == 404


# --- at scale: the cost does not grow with the rows ----------------------------------------------

def test_a_long_ledger_is_previewed_and_imported_in_a_fixed_number_of_queries(
    org, empty_review, django_assert_max_num_queries
):
    from audit.models import AuditEvent
    from audit.services import audit_verify

    many = [row(i, measure=f"整改措施{i}", supporting="刑事审判庭、政治部", owner="张立案") for i in range(1, 81)]
    with django_assert_max_num_queries(6):  # users, departments, measures, categories, problems
        assert preview(empty_review, org, plain(*many)).created == 80
    # one category and one problem through issues.services (each audited), data version, the actor's court tree
    with django_assert_max_num_queries(47):
        assert commit(empty_review, org, plain(*many)).created == 80
    measures = Measure.objects.filter(review=empty_review)
    assert measures.count() == 80
    assert Measure.history.filter(id__in=measures.values("id"), history_type="+").count() == 80
    assert all(len(m.supporting_departments.all()) == 2 for m in measures.prefetch_related("supporting_departments"))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEASURE_CREATED, object_id__in=[str(pk) for pk in measures.values_list("id", flat=True)]
    ).count() == 80
    assert audit_verify().ok

    trail = (Measure.history.count(), AuditEvent.objects.count())
    with django_assert_max_num_queries(12):  # the plan's reads, the review lock, savepoints
        again = commit(empty_review, org, plain(*many))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 80)
    assert (Measure.history.count(), AuditEvent.objects.count()) == trail
