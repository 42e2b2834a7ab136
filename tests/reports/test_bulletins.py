"""The rectification office's bulletins: numbered, frozen at the period's end, rendered three ways."""

import datetime
import io
import re
import threading

import pytest
import time_machine
from django.db import connection, transaction
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader

from measures import workflow
from reports import bulletin_render, bulletins
from reports.models import Bulletin

from .. import factories as f
from .test_ledger_export import assert_no_wrapped_text_overflows

MAY_END = datetime.date(2026, 5, 31)
JUNE_END = datetime.date(2026, 6, 30)


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(f.shanghai(day.year, day.month, day.day, hour), tick=False)


@pytest.fixture
def monthly_review(review, measure, drive, org):
    """Two measures: one closed on 2026-06-10, one still open with a deadline of 2026-06-20."""
    with at(datetime.date(2026, 5, 10)):
        drive.in_progress(measure)
        second = f.MeasureFactory(
            problem=f.ProblemFactory(category=measure.problem.category, description="执行案款发放不及时"),
            text="建立案款到账提醒机制", lead_department=org.dept_a, responsible_leader=org.leader_a,
            original_deadline=datetime.date(2026, 6, 20),
        )
    with at(datetime.date(2026, 6, 10)):
        drive.closed(measure)
    return review, measure, second


def test_a_bulletin_states_the_data_as_it_stood_at_the_end_of_its_period(monthly_review):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 7, 2)):
        may = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 5, 1), period_end=MAY_END)
        june = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    assert may.snapshot["totals"]["measures_closed"] == 0
    assert may.snapshot["totals"]["problems_completed"] == 0
    assert june.snapshot["totals"]["measures_closed"] == 1
    assert june.snapshot["totals"]["problems_completed"] == 1
    assert [m["text"] for m in june.snapshot["overdue"]] == [open_one.text]
    assert june.snapshot["overdue"][0]["overdue_days"] == 10
    assert june.snapshot["in_progress"][0]["expected"] == "2026-06-20"


def publish(bulletin, office):
    bulletins.bulletin_advance(bulletin=bulletin, actor=office, to="reviewed")
    return bulletins.bulletin_advance(bulletin=bulletin, actor=office, to="published")


def test_a_draft_has_no_number_and_a_regenerated_period_is_a_new_version(monthly_review):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        june = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        again = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        redo = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END,
                                           regenerate=True)
    assert june.number is None and again.pk == june.pk
    assert (redo.number, redo.version) == (None, 2)


def test_numbers_are_given_at_publishing_so_the_published_series_has_no_gaps(monthly_review, org):
    """BUG: numbers were taken when drafted, so publishing drafts 1 and 3 gave the series 第1期, 第3期."""
    review, *_ = monthly_review
    with at(datetime.date(2026, 8, 2)):
        may = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 5, 1), period_end=MAY_END)
        bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        july = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 7, 1),
                                           period_end=datetime.date(2026, 7, 31))
        may, july = publish(may, org.office), publish(july, org.office)

    assert (may.number, july.number) == (1, 2)
    assert [b.label for b in Bulletin.objects.filter(number__isnull=False).order_by("number")] == ["第1期", "第2期"]


def test_an_earlier_period_cannot_be_published_after_a_later_one(monthly_review, org):
    """BUG: a July bulletin drafted later than August's became 第4期 after 第3期: the series left period order."""
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        may = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 5, 1), period_end=MAY_END)
        june = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        publish(june, org.office)
        bulletins.bulletin_advance(bulletin=may, actor=org.office, to="reviewed")
        with pytest.raises(bulletins.BulletinError) as refused:
            bulletins.bulletin_advance(bulletin=may, actor=org.office, to="published")

    may.refresh_from_db()
    assert refused.value.field == "status" and (may.status, may.number) == ("reviewed", None)


def test_a_published_bulletin_cannot_be_changed_or_deleted_even_with_sql(monthly_review, org):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        june = publish(bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1),
                                                   period_end=JUNE_END), org.office)
    for statement in ("UPDATE reports_bulletin SET snapshot = '{}'::jsonb WHERE id = %s",
                      "UPDATE reports_bulletin SET number = 7 WHERE id = %s",
                      "DELETE FROM reports_bulletin WHERE id = %s"):
        with pytest.raises(Exception, match="is final"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [june.pk])
    june.refresh_from_db()
    assert june.number == 1 and june.snapshot["totals"]["measures"] == 2


def test_a_review_with_nothing_left_to_close_stops_producing_bulletins(monthly_review, drive):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 6, 15)):
        drive.closed(open_one)
    with at(datetime.date(2026, 8, 3)):
        assert bulletins.bulletins_generate_due() == []


def test_the_monthly_schedule_makes_one_bulletin_per_period_however_often_it_runs(monthly_review):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 3)):
        assert len(bulletins.bulletins_generate_due()) == 1
        assert bulletins.bulletins_generate_due() == []
    bulletin = Bulletin.objects.get()
    assert (bulletin.period_start, bulletin.period_end, bulletin.number) == (datetime.date(2026, 6, 1), JUNE_END, None)


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_still_make_one_bulletin(org):
    review = f.ReviewFactory(court=org.court, feedback_date=datetime.date(2026, 1, 10))
    f.MeasureFactory(problem=f.ProblemFactory(category=f.CategoryFactory(review=review)), lead_department=org.dept_a)

    def run():
        with at(datetime.date(2026, 7, 3)):
            bulletins.bulletins_generate_due()
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Bulletin.objects.filter(review=review).count() == 1


def test_the_office_reviews_then_publishes_and_a_published_bulletin_never_changes(monthly_review, org):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        with pytest.raises(bulletins.BulletinError):
            bulletins.bulletin_advance(bulletin=b, actor=org.office, to="published")
        with pytest.raises(bulletins.BulletinError):
            bulletins.bulletin_advance(bulletin=b, actor=org.staff_a, to="reviewed")
        bulletins.bulletin_advance(bulletin=b, actor=org.office, to="reviewed")
        b = bulletins.bulletin_advance(bulletin=b, actor=org.office, to="published")
        frozen = dict(b.snapshot)
        workflow.measure_report_progress(measure=open_one, actor=org.staff_a, note="七月已推进", percent=60)
    b.refresh_from_db()
    assert b.status == "published" and b.snapshot == frozen
    with at(datetime.date(2026, 7, 5)), pytest.raises(bulletins.BulletinError) as redraft:
        bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END,
                                    regenerate=True)
    assert redraft.value.field == "period_end"


def test_the_word_document_reads_like_an_official_bulletin(monthly_review):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    doc = Document(io.BytesIO(bulletin_render.render_docx(b)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "整改工作专项通报"
    assert texts[1] == "（草稿）"  # 第N期 comes with publishing
    assert texts[2] == "某市中级人民法院整改工作领导小组办公室\t2026年6月30日"  # over the red rule
    assert texts[3] == f"关于{review.title.removesuffix('整改')}整改情况的通报"
    assert "一、整改工作总体情况" in texts
    assert "（一）已整改完成的问题" in texts and "（二）正在推进整改的问题" in texts
    assert any(t.startswith("1.关于“") for t in texts)
    assert any("预计于2026年6月完成" in t for t in texts)
    title_style = doc.paragraphs[3].style
    assert title_style.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title_style.font.size.pt == 22
    assert doc.paragraphs[5].style.paragraph_format.first_line_indent.pt == 32  # 仿宋 三号, indented two characters
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_excel_appendix_lists_every_measure_and_never_writes_formulas(monthly_review, org):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 6, 1)):
        f.MeasureFactory(problem=open_one.problem, text="=HYPERLINK(\"http://evil\")", lead_department=org.dept_a,
                         original_deadline=datetime.date(2026, 6, 25))
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    ws = load_workbook(io.BytesIO(bulletin_render.render_xlsx(b))).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 3
    texts = [r[3] for r in rows]
    assert "=HYPERLINK(\"http://evil\")" in texts
    cell = next(c for c in ws["D"] if c.value == "=HYPERLINK(\"http://evil\")")
    assert cell.data_type == "s"
    assert ws.freeze_panes == "A3"


def test_a_bulletin_for_an_empty_review_says_so_plainly(org):
    review = f.ReviewFactory(court=org.court)
    b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    texts = [p.text for p in Document(io.BytesIO(bulletin_render.render_docx(b))).paragraphs]
    assert bulletin_render.PHRASES["empty"] in texts


def test_bulletin_pages_and_files_are_only_for_people_who_see_the_review(client, monthly_review, org):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    client.force_login(org.office)
    page = client.get(f"/bulletins/{b.pk}/")
    assert page.status_code == 200
    assert page.context["s"]["totals"]["measures_closed"] == 1
    docx = client.get(f"/bulletins/{b.pk}/download.docx")
    assert docx.status_code == 200 and docx["Content-Disposition"].startswith("attachment")
    client.force_login(org.basic_office)  # the office of a court below sees none of the 中院's reviews
    assert client.get(f"/bulletins/{b.pk}/").status_code == 404
    assert client.get(f"/bulletins/{b.pk}/download.xlsx").status_code == 404


def test_publishing_on_the_page_asks_for_confirmation_first(client, monthly_review, org):
    from django.urls import reverse

    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        june = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
        bulletins.bulletin_advance(bulletin=june, actor=org.office, to="reviewed")
    client.force_login(org.office)
    page = client.get(reverse("bulletin_detail", args=[june.pk])).content.decode()

    unconfirmed = client.post(reverse("bulletin_advance", args=[june.pk]), {"to": "published"}, follow=True)
    june.refresh_from_db()
    assert 'name="confirm"' in page and june.status == "reviewed"
    assert "发布前请勾选确认" in unconfirmed.content.decode()

    client.post(reverse("bulletin_advance", args=[june.pk]), {"to": "published", "confirm": "1"})
    june.refresh_from_db()
    assert (june.status, june.number) == ("published", 1)


# Half-width , : ; ( ) right after or before a Chinese character (GB/T 15834: full-width in Chinese text).
HALF_WIDTH_BY_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]")


def every_text(doc) -> list[str]:
    """Every paragraph of the body, of every table cell and of the footers."""
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        texts += [p.text for p in section.footer.paragraphs + section.even_page_footer.paragraphs]
    return texts


@pytest.fixture
def careless_review(monthly_review, org):
    """Data typed with half-width punctuation, and a problem title that already carries quotes."""
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 6, 12)):
        problem = f.ProblemFactory(category=closed.problem.category, description="“两个责任”落实不到位。")
        f.MeasureFactory(problem=problem, text="建立责任清单,每周调度;逐项销号(试行)", result="已完成:制度3项",
                         lead_department=org.dept_b, responsible_leader=org.leader_a,
                         original_deadline=datetime.date(2026, 6, 15))
    with at(datetime.date(2026, 7, 2)):
        return bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1),
                                           period_end=JUNE_END)


def test_the_generated_chinese_text_has_full_width_punctuation_and_single_quotes_around_titles(careless_review):
    doc = Document(io.BytesIO(bulletin_render.render_docx(careless_review)))
    texts = every_text(doc)
    offending = [t for t in texts if HALF_WIDTH_BY_CHINESE.search(t)]
    assert offending == []
    body = "\n".join(texts)
    assert "关于“‘两个责任’落实不到位”问题的整改" in body  # the inner quotes become ‘’, no “““
    assert "““" not in body and "””" not in body
    assert "建立责任清单，每周调度；逐项销号（试行），已完成：制度3项" in body
    assert "整改措施及成效：" in body and "（一）已整改完成的问题" in body


@pytest.mark.parametrize("text,expected", [
    ("建立台账,每周调度", "建立台账，每周调度"),
    ("成效:明显", "成效：明显"),
    ("(一)总体情况", "（一）总体情况"),
    ("开会(2次)后", "开会（2次）后"),
    ('落实"两个责任"要求', "落实“两个责任”要求"),
    ("已完成.", "已完成。"),
    ("12:30 (1) v1.2", "12:30 (1) v1.2"),
])
def test_official_punctuation_changes_only_what_touches_chinese(text, expected):
    assert bulletin_render.official_punctuation(text) == expected


def test_pages_are_numbered_with_dashes_at_the_foot_right_on_odd_left_on_even(monthly_review):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    doc = Document(io.BytesIO(bulletin_render.render_docx(b)))
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        instructions = [el.text.strip() for el in paragraph._p.iter(qn("w:instrText"))]
        assert instructions == ["PAGE"]
        assert paragraph.text == "— 1 —"  # the field's placeholder; Word and WPS put the page number there
        assert paragraph.alignment.name.lower() == side


def test_the_bulletin_ends_with_its_colophon(monthly_review, org):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    with at(datetime.date(2026, 7, 3)):
        bulletins.bulletin_advance(bulletin=b, actor=org.office, to="reviewed")
        b = bulletins.bulletin_advance(bulletin=b, actor=org.office, to="published")
    doc = Document(io.BytesIO(bulletin_render.render_docx(b)))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[-2] == "抄送：市委第二巡察组，院党组成员，驻院纪检监察组。"
    assert texts[-1] == "某市中级人民法院整改工作领导小组办公室\t2026年7月3日印发"  # the day it was published
    children = [child.tag for child in doc.paragraphs[-1]._p.pPr]
    # the rules, where the schema wants them (Word will not open a pPr out of order)
    assert children.index(qn("w:pBdr")) < children.index(qn("w:tabs")) < children.index(qn("w:ind"))


def test_the_bulletin_states_its_completion_rate_and_what_it_counts(monthly_review, org):
    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 5, 20)):
        f.MeasureFactory(problem=open_one.problem, text="坚持每月调度", read_only_continuing=True,
                         lead_department=org.dept_a)
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    assert b.snapshot["rates"]["measure"] == 50.0  # 1 closed of the 2 to close; 长期坚持 apart
    texts = [p.text for p in Document(io.BytesIO(bulletin_render.render_docx(b))).paragraphs]
    overview = next(t for t in texts if t.startswith("对市委第二巡察组"))
    assert "长期坚持1条（持续推进，不计入完成率）" in overview and "完成率50.0%" in overview
    note = "注：完成率＝已销号的整改措施数÷应销号的整改措施数（长期坚持类措施不销号，另计为“持续推进”）。"
    assert texts[texts.index(overview) + 1] == note


def test_each_bulletin_downloads_as_pdf_for_those_who_may_read_it(client, monthly_review, org):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    client.force_login(org.office)
    page = client.get(f"/bulletins/{b.pk}/")
    assert f'href="/bulletins/{b.pk}/download.pdf"' in page.content.decode()
    pdf = client.get(f"/bulletins/{b.pk}/download.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf.content))
    first = reader.pages[0]
    text = first.extract_text()
    assert text.startswith("整改工作专项通报\n（草稿）\n某市中级人民法院整改工作领导小组办公室")  # 第N期 at publishing
    assert "关于市委第二巡察组反馈意见整改情况的通报" in text
    assert "— 1 —" in text and "完成率" in text
    assert not HALF_WIDTH_BY_CHINESE.search(text)
    fonts = {font.get_object()["/BaseFont"] for font in first["/Resources"]["/Font"].values()}
    assert all("CJK" in name for name in fonts)  # Chinese set in the Noto CJK fonts, embedded
    client.force_login(org.basic_office)
    assert client.get(f"/bulletins/{b.pk}/download.pdf").status_code == 404


def test_the_annex_prints_legibly_on_a4_landscape(careless_review):
    ws = load_workbook(io.BytesIO(bulletin_render.render_xlsx(careless_review))).active
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    printable_px = (297 / 25.4 - ws.page_margins.left - ws.page_margins.right) * 96
    assert sum(ws.column_dimensions[c].width * 7 + 5 for c in "ABCDEFGHIJK") <= printable_px  # 100%, no shrink
    assert min(c.font.size for row in ws.iter_rows(min_row=2) for c in row if c.value is not None) >= 10
    assert assert_no_wrapped_text_overflows(ws, first_row=1) >= 20
    assert ws["A1"].value == "市委第二巡察组反馈意见整改措施清单（截至2026年6月30日）"


def test_a_title_too_long_for_one_line_breaks_between_phrases_not_before_its_last_word():
    assert bulletin_render._title("市委第二巡察组反馈意见") == "关于市委第二巡察组反馈意见整改情况的通报"  # fits
    assert bulletin_render._title("市委第二巡察组巡察反馈意见") == "关于市委第二巡察组巡察反馈意见\n整改情况的通报"


def test_a_bulletin_too_long_for_a_pdf_while_you_wait_points_to_the_word_document(client, monthly_review, org,
                                                                                   monkeypatch):
    review, *_ = monthly_review
    with at(datetime.date(2026, 7, 2)):
        b = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)
    monkeypatch.setattr(bulletin_render, "PDF_MAX_MEASURES", 1)  # this one lists 2
    client.force_login(org.office)
    assert "download.pdf" not in client.get(f"/bulletins/{b.pk}/").content.decode()
    response = client.get(f"/bulletins/{b.pk}/download.pdf", follow=True)
    assert response.redirect_chain[-1][0] == f"/bulletins/{b.pk}/"
    assert "本期通报所列整改措施超过1条，无法即时排版为PDF，请下载Word文档后另存为PDF。" in response.content.decode()


def test_the_bulletin_counts_rules_from_the_register_as_adopted_by_its_period_end(monthly_review, org):
    """Issue 14: "制定或完善相关制度N个" is the register's count, not a number typed at close-out."""
    from measures.rules import rule_register

    review, closed, open_one = monthly_review
    with at(datetime.date(2026, 7, 2)):
        rule_register(actor=org.office, name="《长期未结案件管理办法》", adopted_on=datetime.date(2026, 6, 10),
                      measures=[closed])
        rule_register(actor=org.office, name="《案款到账提醒规定》", adopted_on=datetime.date(2026, 7, 1),
                      measures=[open_one])
        june = bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 6, 1), period_end=JUNE_END)

    assert june.snapshot["totals"]["rules_adopted"] == 1  # the July rule is not yet adopted at June's end
