"""The office imports a ledger from another court: ordinals stripped, problems take their leader and
department from their rows, the preview shows what each row writes and warns about past deadlines and
completed work, unknown people are listed once and mapped to a user or added as contacts."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import User
from audit.services import audit_verify
from issues.models import Category, Problem
from measures.models import CloseOut, Measure
from reports.imports import ledger_import as li

from .. import factories as f

HEADER = ["序号", "问题类别", "具体问题", "整改措施", "责任领导", "牵头部门", "责任人", "整改时限", "整改进展情况",
          "完成情况"]


@pytest.fixture(autouse=True)
def _on_day():
    with time_machine.travel(f.shanghai(2021, 3, 1, 10), tick=False):
        yield


@pytest.fixture
def review(org):
    return f.ReviewFactory(court=org.court, feedback_date=datetime.date(2020, 7, 16))


def ledger(*rows) -> io.BytesIO:
    wb = Workbook()
    for row in [HEADER, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def preview(review, org, source, **options):
    return li.ledger_import_preview(review=review, actor=org.office, source=source, options=li.Options(**options))


def commit(review, org, source, **options):
    return li.ledger_import_commit(review=review, actor=org.office, source=source, options=li.Options(**options))


def test_category_and_problem_ordinals_are_stripped(org, review):
    source = ledger(
        [1, "一、政治建设方面", "（一）理论学习不深入", "1.制定学习计划", "副院长 赵副院长", "立案庭", "", "2021年12月底前"],
        [2, "二、作风建设方面", "（二）1.办案作风拖沓", "开展专项整治", "副院长 赵副院长", "立案庭", "", "2021年12月底前"],
    )
    commit(review, org, source)
    assert sorted(Category.objects.filter(review=review).values_list("name", flat=True)) == ["作风建设方面", "政治建设方面"]
    assert sorted(Problem.objects.filter(review=review).values_list("description", flat=True)) == [
        "办案作风拖沓", "理论学习不深入"]
    assert Measure.objects.get(problem__description="理论学习不深入").text == "1.制定学习计划"  # measures keep theirs


def test_a_new_problem_takes_the_leader_and_department_its_rows_agree_on(org, review):
    source = ledger(
        [1, "政治建设", "理论学习不深入", "制定学习计划", "副院长 赵副院长", "立案庭", "", "2021年12月底前"],
        [2, "政治建设", "理论学习不深入", "开展专题研讨", "副院长 赵副院长", "立案庭", "", "2021年12月底前"],
        [3, "政治建设", "办案作风拖沓", "清理积案", "副院长 赵副院长", "立案庭", "", "2021年12月底前"],
        [4, "政治建设", "办案作风拖沓", "建立提醒", "副院长 赵副院长", "刑事审判庭", "", "2021年12月底前"],
    )
    commit(review, org, source)
    agreed = Problem.objects.get(review=review, description="理论学习不深入")
    assert (agreed.responsible_leader, agreed.lead_department) == (org.leader_a, org.dept_a)
    split = Problem.objects.get(review=review, description="办案作风拖沓")
    assert (split.responsible_leader, split.lead_department) == (org.leader_a, None)


def test_the_preview_shows_what_each_row_writes_and_warns_about_past_deadlines_and_completed_work(
    client, org, review
):
    source = ledger(
        [1, "政治建设", "理论学习不深入", "制定学习计划", "副院长 赵副院长", "立案庭", "张立案", "2020年12月底前", "", ""],
        [2, "政治建设", "理论学习不深入", "开展专题研讨", "副院长 赵副院长", "立案庭", "", "2021年12月底前",
         "已完成专题研讨", ""],
        [3, "政治建设", "理论学习不深入", "建立长效机制", "副院长 赵副院长", "立案庭", "", "2020年10月底前", "", "已完成"],
    )
    plan = preview(review, org, io.BytesIO(source.getvalue()))
    assert plan.ok and plan.completed == 1 and plan.closing == 0
    assert plan.rows[0].shown == {
        "deadline": datetime.date(2020, 12, 31), "type": "限期整改", "leader": "赵副院长", "department": "立案庭",
        "owner": "张立案", "status": "未启动",
    }
    assert [(w.row, w.column) for w in plan.warnings] == [
        (2, "整改时限"),  # already past: it would be overdue at once
        (3, "整改进展情况"),  # says 已完成 but is not marked completed
        (4, "整改时限"), (4, "完成情况"),  # marked completed: the office may import it as closed
    ]

    client.force_login(org.office)
    upload = io.BytesIO(source.getvalue())
    upload.name = "外院台账.xlsx"
    page = client.get(client.post(reverse("ledger_import_upload", args=[review.pk]), {"file": upload}).url)
    html = page.content.decode()
    assert 'data-testid="preview-rows"' in html and "2020-12-31" in html and "张立案" in html
    assert 'data-testid="close-completed"' in html and 'data-testid="warning-list"' in html

    done = client.post(page.request["PATH_INFO"], {"action": "commit", "close_completed": "1"})
    assert done.status_code == 302
    closed = Measure.objects.get(review=review, text="建立长效机制")
    assert closed.status == Measure.Status.CLOSED and closed.completed_on == datetime.date(2021, 3, 1)
    assert closed.closeouts.get().stage == CloseOut.Stage.APPROVED
    assert Measure.objects.get(review=review, text="开展专题研讨").status == Measure.Status.NOT_STARTED
    assert closed.history.first().history_change_reason == "按台账导入为已销号"
    assert audit_verify().ok  # the closures' audit events are in the chain


def test_a_completion_date_column_is_the_closed_measures_completion_date(org, review):
    wb = Workbook()
    wb.active.append([*HEADER, "完成日期"])
    wb.active.append([1, "政治建设", "理论学习不深入", "制定学习计划", "副院长 赵副院长", "立案庭", "", "2020年12月底前", "",
                      "已完成", datetime.date(2020, 11, 20)])
    source = io.BytesIO()
    wb.save(source)
    commit(review, org, io.BytesIO(source.getvalue()), close_completed=True)
    measure = Measure.objects.get(review=review)
    assert (measure.status, measure.completed_on) == (Measure.Status.CLOSED, datetime.date(2020, 11, 20))


def test_unknown_people_are_listed_once_and_the_office_maps_them_or_adds_contacts(org, review):
    source = ledger(
        [1, "政治建设", "理论学习不深入", "制定学习计划", "党组成员、副院长 王外院", "立案庭", "李经办", "2021年12月底前"],
        [2, "政治建设", "理论学习不深入", "开展专题研讨", "党组成员、副院长 王外院", "立案庭", "李经办", "2021年12月底前"],
        [3, "政治建设", "理论学习不深入", "建立长效机制", "党组成员、副院长 王外院", "立案庭", "张三、李四", "2021年12月底前"],
    )
    plan = preview(review, org, io.BytesIO(source.getvalue()))
    assert sorted(plan.unknown_people) == ["李经办", "王外院"]
    assert plan.unknown_people["王外院"].rows == [2, 3, 4] and plan.unknown_people["王外院"].title == "党组成员、副院长"
    assert [(e.row, e.column) for e in plan.errors if e.row] == [(4, "责任人")]  # two people in one cell
    assert len([e for e in plan.errors if e.row is None]) == 2  # one message per unknown person

    users = User.objects.count()
    source = ledger(  # row 4 corrected
        [1, "政治建设", "理论学习不深入", "制定学习计划", "党组成员、副院长 王外院", "立案庭", "李经办", "2021年12月底前"],
        [2, "政治建设", "理论学习不深入", "开展专题研讨", "党组成员、副院长 王外院", "立案庭", "李经办", "2021年12月底前"],
    )
    people = {"王外院": li.CONTACT, "李经办": org.staff_a.pk}
    assert preview(review, org, io.BytesIO(source.getvalue()), people=people).ok
    assert User.objects.count() == users  # the preview creates nobody
    commit(review, org, io.BytesIO(source.getvalue()), people=people)
    contact = User.objects.get(full_name="王外院")
    assert (contact.is_active, contact.has_usable_password(), contact.title) == (False, False, "党组成员、副院长")
    assert set(Measure.objects.filter(review=review).values_list("responsible_leader", "owner")) == {
        (contact.pk, org.staff_a.pk)}
    assert Problem.objects.get(review=review).responsible_leader == contact
    # the next ledger naming the contact finds it
    assert preview(review, org, io.BytesIO(source.getvalue())).unchanged == 2


def test_every_error_names_its_column(org, review):
    source = ledger(
        [1, "政治建设", "理论学习不深入", "", "副院长 赵副院长", "无此部门", "", "2020年5月底前"],
    )
    plan = preview(review, org, source)
    assert {(e.row, e.column) for e in plan.errors} == {(2, "整改措施"), (2, "牵头部门"), (2, "整改时限")}
