"""What each page shows its user: tiles that agree with their lists, local times, the current result,
all the evidence, the approver's comment, English without Chinese labels, and a plain login message."""

import datetime
import logging
import re

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from measures import workflow
from reports import bulletins
from reports.models import LedgerExport
from tests import factories as f

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows(html: str) -> int:
    body = html.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return body.count('<tr class="row-')


def _tile(html: str, key: str) -> tuple[int, str]:
    href = re.search(rf'href="([^"]*)" data-testid="tile-{key}"', html).group(1).replace("&amp;", "&")
    count = re.search(rf'data-testid="count-{key}">(\d+)<', html).group(1)
    return int(count), href


def test_every_tile_on_my_measures_opens_a_list_of_exactly_the_measures_it_counts(client, org, problem, drive):
    measures = [
        f.MeasureFactory(problem=problem, text=f"整改措施{i}", lead_department=org.dept_a,
                         responsible_leader=org.leader_a, original_deadline=f.DEADLINE)
        for i in range(5)
    ]
    drive.closed(measures[0])
    drive.closed(measures[1])
    drive.closeout_requested(measures[2])
    client.force_login(org.office)

    html = client.get(reverse("my_measures")).content.decode()
    assert _tile(html, "total")[0] == 5
    for key in ("total", "closed", "closeout-requested", "overdue", "due-soon"):
        count, href = _tile(html, key)
        listed = client.get(reverse("my_measures") + href).content.decode()
        assert _rows(listed) == count, key


def test_a_tile_keeps_the_filter_the_list_was_narrowed_by(client, org, problem, drive):
    other = f.ReviewFactory(court=org.court, title="另一个整改任务")
    other_problem = f.ProblemFactory(category=f.CategoryFactory(review=other), lead_department=org.dept_a)
    drive.closed(f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a))
    f.MeasureFactory(problem=other_problem, lead_department=org.dept_a, responsible_leader=org.leader_a)
    client.force_login(org.office)

    html = client.get(reverse("my_measures"), {"review": problem.review_id}).content.decode()
    count, href = _tile(html, "total")
    assert count == 1 and f"review={problem.review_id}" in href
    assert _rows(client.get(reverse("my_measures") + href).content.decode()) == 1


def test_list_filters_offer_all_rather_than_dashes(client, org, measure):
    client.force_login(org.staff_a)
    html = client.get(reverse("my_measures")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>全部</option>' in html


def test_stale_form_banner_lists_the_changes_in_beijing_time(client, org, measure, time_machine):
    seen = measure.version
    time_machine.move_to(datetime.datetime(2026, 3, 9, 21, 45, tzinfo=datetime.UTC), tick=False)
    workflow.measure_report_progress(measure=measure, actor=org.head_a, note="已部署", percent=20)
    client.force_login(org.staff_a)

    response = client.post(
        reverse("measure_progress", args=[measure.pk]), {"note": "我的进展", "percent": 40, "version": seen}
    )

    assert response.status_code == 409
    banner = response.content.decode().split('data-testid="stale"', 1)[1].split("</div>", 1)[0]
    assert "2026-03-10 05:45" in banner and "21:45" not in banner


def test_after_a_returned_close_out_the_header_no_longer_shows_the_refused_result(client, org, measure, drive):
    measure = drive.leader_approved(measure)
    workflow.measure_return_closeout(measure=measure, actor=org.office, reason="佐证材料不完整")
    client.force_login(org.staff_a)

    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()

    assert 'data-testid="result"' not in html
    assert "佐证材料不完整" in html  # the returned request and its reason stay in the close-out list


def test_a_closed_measure_shows_its_result_in_the_header(client, org, measure, drive):
    drive.closed(measure)
    client.force_login(org.staff_a)
    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
    assert 'data-testid="result"' in html


def test_approvals_count_the_evidence_attached_to_progress_reports_too(client, org, measure, drive):
    measure = drive.in_progress(measure, with_evidence=True)
    drive.closeout_requested(measure)
    client.force_login(org.leader_a)

    html = client.get(reverse("approvals")).content.decode()

    assert re.search(r'data-testid="evidence-count">2个附件<', html)


def test_the_extension_approvers_comment_is_shown_on_the_measure(client, org, measure, drive):
    measure = drive.in_progress(measure)
    extension = workflow.measure_request_extension(
        measure=measure, actor=org.head_a, new_deadline=f.DEADLINE + datetime.timedelta(days=30), reason="需协调"
    )
    workflow.measure_decide_extension(extension=extension, actor=org.office, approve=False, note="理由不充分，按期完成")
    client.force_login(org.staff_a)

    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()

    decision = html.split('data-testid="extension-decision"', 1)[1].split("</div>", 1)[0]
    assert "理由不充分，按期完成" in decision and "孙主任" in decision


def test_in_english_the_history_statuses_and_dates_have_no_chinese_labels(client, org, measure, drive):
    measure = drive.in_progress(measure, percent=30)
    assert measure.history.filter(history_change_reason__contains="30%").exclude(
        history_change_reason__startswith="Progress").exists()  # stored as the actor wrote it, in Chinese
    client.force_login(org.staff_a)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()

    history = html.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    labels = re.sub(r"<td>[^<]*(联|庭|院|主任|组长)[^<]*</td>", "", history)  # people's names are data
    assert "Progress reported: 30%" in history and "Created" in history and "In progress" in history
    assert not CJK.search(labels), labels
    assert "June 30, 2026" in html and "2026年6月30日" not in html


def test_in_chinese_the_history_reads_created_not_created_at(client, org, measure):
    client.force_login(org.staff_a)
    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
    history = html.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "<td>创建</td>" in history and "创建时间" not in history


def test_a_failed_login_says_the_same_plain_sentence_for_an_unknown_user_and_a_wrong_password(client, org):
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "x"}).content.decode()
    wrong = client.post(reverse("login"), {"username": "staff_a", "password": "x"}).content.decode()

    for html in (unknown, wrong):
        assert "用户名或密码不正确，请核对后重新输入。" in html
        assert "区分大小写" not in html


def test_the_login_page_offers_the_languages_each_named_in_itself(client):
    html = client.get(reverse("login")).content.decode()
    assert 'data-testid="language"' in html
    assert ">English</option>" in html and ">简体中文</option>" in html and "英语" not in html


def test_the_export_record_shows_its_filter_as_the_user_chose_it(client, org, review):
    LedgerExport.objects.create(requested_by=org.office, params={"review": str(review.pk), "status": "in_progress"})
    client.force_login(org.office)

    html = client.get(reverse("ledger_export_list")).content.decode()

    shown = html.split('data-testid="export-filter">', 1)[1].split("</td>", 1)[0]
    assert f"整改任务：{review.title}" in shown and "状态：推进中" in shown
    assert "review=" not in shown


def test_an_empty_bulletin_list_says_who_drafts_bulletins(client, org, review):
    client.force_login(org.discipline)
    html = client.get(reverse("bulletin_list", args=[review.pk])).content.decode()
    assert "整改办起草并发布" in html.split('data-testid="no-bulletins"', 1)[1].split("</td>", 1)[0]


def test_expected_refusals_are_logged_as_one_line_without_a_traceback(client, org, measure, caplog):
    client.force_login(org.staff_b)  # department B has nothing to do with the measure
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("measure_detail", args=[measure.pk])).status_code == 404
        assert client.get(reverse("setup_index")).status_code == 403

    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert {r.status_code for r in refusals} == {403, 404}
    assert all(r.exc_info is None for r in refusals)


def test_the_favicon_is_served_from_the_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.ico")
    html = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in html




def test_in_english_a_bulletin_page_shows_statuses_and_its_date_in_english(client, org, measure, drive):
    drive.in_progress(measure)
    today = timezone.localdate()
    bulletin = bulletins.bulletin_generate(
        review=measure.review, actor=org.office, period_start=today.replace(day=1), period_end=today,
    )
    with translation.override("en"):
        as_of = dateformat.format(today, "N j, Y")
    client.force_login(org.discipline)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("bulletin_detail", args=[bulletin.pk])).content.decode()

    assert "(In progress" in html and "推进中" not in html
    assert f"as of {as_of}" in html


def test_every_sentence_the_workflow_writes_into_the_history_is_shown_in_the_readers_language():
    """measure_display.WORKFLOW_REASONS must list each reason measures/workflow.py passes to _save()."""
    from pathlib import Path

    from measures import workflow as workflow_module
    from measures.templatetags.measure_display import WORKFLOW_REASONS

    source = Path(workflow_module.__file__).read_text()
    written = set(re.findall(r'_save\(m, actor, (?:note or )?_\("([^"]+)"\)', source))
    assert written and written <= set(WORKFLOW_REASONS), written - set(WORKFLOW_REASONS)


def test_on_a_phone_the_liaison_reaches_the_progress_form_in_one_tap(client, org, measure):
    """The forms stand below the history on a narrow screen; a button at the top of the page jumps to them."""
    client.force_login(org.staff_a)
    page = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
    client.force_login(org.basic_office)  # another court: reads nothing here, so nothing to jump to
    reader = client.get(reverse("measure_detail", args=[measure.pk]))

    assert 'data-testid="jump-to-actions"' in page and 'href="#actions"' in page
    assert 'id="actions"' in page and page.index('id="actions"') < page.index('id="progress-form"')
    assert reader.status_code == 404


def test_a_bulletins_expected_completion_date_is_shown_in_the_readers_date_format(client, org, review, measure):
    f.MeasureFactory(problem=measure.problem, text="建立案款到账提醒机制", lead_department=org.dept_a,
                     responsible_leader=org.leader_a, original_deadline=datetime.date(2026, 12, 20))
    today = timezone.localdate()
    bulletin = bulletins.bulletin_generate(review=review, period_start=today.replace(day=1), period_end=today)
    client.force_login(org.office)

    page = client.get(reverse("bulletin_detail", args=[bulletin.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    expected = re.search(r'expected by|预计完成', page)

    assert bulletin.snapshot["in_progress"] and expected
    assert "2026年12月20日" in page
    assert not re.search(r"(预计完成|expected by)\s*\d{4}-\d\d-\d\d", page)
