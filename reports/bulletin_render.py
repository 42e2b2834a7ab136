"""A bulletin's snapshot rendered as an official document (.docx) and as an appendix (.xlsx).

The wording is official Chinese document style and is data, not UI: it lives in PHRASES below
(model: ../shared/seeds/003_367276fe6dc3ea06.txt). Layout follows GB/T 9704 habits: A4, title in
方正小标宋简体 二号, body in 仿宋_GB2312 三号 with a two-character first-line indent, level-one
headings in 黑体, level-two in 楷体_GB2312, outline 一、(一)1.
"""

import datetime
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from issues.outline import chinese_numeral, outline_number

from .exports.base import CellStyles, SafeWorkbook, safe_cell

PHRASES = {
    "title": "关于{review}整改情况的通报",
    "number": "第{number}期",
    "draft": "（草稿）",
    "issuer": "{court}整改工作领导小组办公室",
    "overview": "一、整改工作总体情况",
    "overview_text": (
        "对{issuing_body}反馈指出的{problems}个问题,细化分解为{measures}条整改措施。截至{date},"
        "共计{completed}个问题已整改完成,{in_progress}个问题正在推进;整改措施已完成{closed}条,"
        "推进中{measure_in_progress}条,未启动{not_started}条,长期坚持{ongoing}条,超期{overdue}条;"
        "共制定或完善相关制度{rules}个。"
    ),
    "change": "与上期相比,新增完成整改措施{closed}条,超期措施{overdue_sign}{overdue}条。",
    "progress": "二、整改落实情况",
    "completed": "已整改完成的问题",
    "completed_text": "截至目前,共计{n}个问题已整改完成。",
    "in_progress": "正在推进整改的问题",
    "in_progress_text": "截至目前,共计{n}个问题正在整改过程中,仍需深化整改。",
    "problem": "关于“{description}”问题的整改",
    "measures_done": "整改措施及成效:",
    "measures_stage": "整改措施及阶段性成效:",
    "nth": "{n}是",
    "expected": "预计于{date}完成。",
    "overdue": "三、超期整改措施",
    "overdue_none": "本期无超期整改措施。",
    "overdue_item": "{text}(牵头部门:{department};责任领导:{leader};现时限{deadline},已超期{days}天)",
    "ranking": "四、各部门整改进度",
    "ranking_header": ["牵头部门", "措施数", "已完成", "完成率", "超期数"],
    "empty": "本期该整改任务尚无整改措施,暂无整改进展可通报。",
    "appendix_sheet": "整改措施清单",
    "appendix_title": "{review}整改措施清单(截至{date})",
    "appendix_header": ["序号", "问题类别", "具体问题", "整改措施", "牵头部门", "责任领导", "原定时限",
                        "现时限", "完成情况", "超期天数", "整改成效"],
}

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"


def chinese_date(value: str | datetime.date | None) -> str:
    if not value:
        return ""
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(value: str | None) -> str:
    if not value:
        return ""
    day = datetime.date.fromisoformat(value)
    return f"{day.year}年{day.month}月"


def _font(run_or_style, name: str, size: float, bold: bool = False) -> None:
    run_or_style.font.name = name
    run_or_style.font.size = Pt(size)
    run_or_style.font.bold = bold
    run_or_style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, *, font=BODY_FONT, size=16, bold=False, align=None, indent=True):
    """A paragraph in one of the bulletin's looks, each a paragraph style made once per document.

    Formatting every paragraph and run by hand costs python-docx about 0.7 ms a paragraph (it
    searches an element's children for each property it sets): 4 s for a 10,000-measure bulletin.
    """
    look = (font, size, bold, align, indent)
    styles = doc.__dict__.setdefault("_bulletin_styles", {})
    if look not in styles:
        style = doc.styles.add_style(f"通报{len(styles) + 1}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        fmt = style.paragraph_format
        fmt.line_spacing = Pt(28)
        fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if align is not None:
            fmt.alignment = align
        _font(style, font, size, bold)
        styles[look] = style
    paragraph = doc.add_paragraph(text)
    paragraph._p.style = styles[look].style_id  # by id: the public setter looks the style up among all of them
    return paragraph


def _clause(text: str) -> str:
    """A sentence without its closing punctuation, to be joined into a longer one."""
    while text and text[-1] in "。;;":
        text = text[:-1]
    return text


def _measures_sentence(measures: list[dict], *, with_result: bool) -> str:
    parts = []
    for i, m in enumerate(measures, start=1):
        text = _clause(m["text"])
        if with_result and m.get("result"):
            text += "," + _clause(m["result"])
        parts.append(PHRASES["nth"].format(n=chinese_numeral(i)) + text)
    return ";".join(parts) + "。" if parts else ""


def render_docx(bulletin) -> bytes:
    s = bulletin.snapshot
    t = s["totals"]
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    _paragraph(doc, (PHRASES["number"].format(number=bulletin.number) if bulletin.number else PHRASES["draft"]), size=16, align=WD_ALIGN_PARAGRAPH.CENTER,
               indent=False)
    subject = s["review"]["title"]
    if subject.endswith("整改"):  # "…反馈意见整改" → "关于…反馈意见整改情况的通报", not "整改整改"
        subject = subject[: -len("整改")]
    _paragraph(doc, PHRASES["title"].format(review=subject), font=TITLE_FONT, size=22,
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, PHRASES["issuer"].format(court=s["review"]["court"]), size=16,
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, chinese_date(s["period_end"]), size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)

    if not t["measures"]:
        _paragraph(doc, PHRASES["empty"])
        return _save_docx(doc)

    _paragraph(doc, PHRASES["overview"], font=HEADING_FONT)
    _paragraph(doc, PHRASES["overview_text"].format(
        issuing_body=s["review"]["issuing_body"] or s["review"]["title"], problems=t["problems"],
        measures=t["measures"], date=chinese_date(s["period_end"]), completed=t["problems_completed"],
        in_progress=t["problems_in_progress"], closed=t["measures_closed"],
        measure_in_progress=t["measures_in_progress"], not_started=t["measures_not_started"],
        ongoing=t["measures_ongoing"], overdue=t["measures_overdue"], rules=t["rules_adopted"],
    ))
    if s.get("change"):
        c = s["change"]
        _paragraph(doc, PHRASES["change"].format(
            closed=c["measures_closed"], overdue_sign="增加" if c["measures_overdue"] >= 0 else "减少",
            overdue=abs(c["measures_overdue"]),
        ))

    _paragraph(doc, PHRASES["progress"], font=HEADING_FONT)
    for level2, key, text_key, done in (
        (1, "completed", "completed_text", True), (2, "in_progress", "in_progress_text", False)
    ):
        problems = s[key]
        _paragraph(doc, outline_number(2, level2) + PHRASES[key], font=SUBHEADING_FONT)
        _paragraph(doc, PHRASES[text_key].format(n=len(problems)))
        for i, problem in enumerate(problems, start=1):
            _paragraph(doc, outline_number(3, i) + PHRASES["problem"].format(description=problem["description"]),
                       bold=True)
            lead = PHRASES["measures_done"] if done else PHRASES["measures_stage"]
            body = lead + _measures_sentence(problem["measures"], with_result=True)
            if not done and problem.get("expected"):
                body += PHRASES["expected"].format(date=chinese_month(problem["expected"]))
            _paragraph(doc, body)

    _paragraph(doc, PHRASES["overdue"], font=HEADING_FONT)
    if not s["overdue"]:
        _paragraph(doc, PHRASES["overdue_none"])
    for i, m in enumerate(s["overdue"], start=1):
        _paragraph(doc, outline_number(3, i) + PHRASES["overdue_item"].format(
            text=m["text"], department=m["department"] or "—", leader=m["leader"] or "—",
            deadline=chinese_date(m["current_deadline"]), days=m["overdue_days"],
        ))

    _paragraph(doc, PHRASES["ranking"], font=HEADING_FONT)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, PHRASES["ranking_header"], strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 12)
    for row in s["ranking"]:
        cells = table.add_row().cells
        for cell, value in zip(cells, [row["department"], row["total"], row["closed"], f"{row['rate']}%",
                                       row["overdue"]], strict=True):
            _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, 12)
    return _save_docx(doc)


def _save_docx(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_xlsx(bulletin) -> bytes:
    s = bulletin.snapshot
    wb = SafeWorkbook()  # text stays text: a measure reading "=HYPERLINK(…)" is never a formula
    ws = wb.create_sheet(PHRASES["appendix_sheet"])
    widths = [6, 16, 30, 50, 14, 14, 13, 13, 12, 10, 40]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    thin = Side(style="thin", color="999999")
    boxed = {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "alignment": Alignment(wrap_text=True, vertical="center"),
    }
    styles = CellStyles(ws)
    title = styles.add("title", font=Font(name="宋体", size=14, bold=True))
    head = styles.add("head", font=Font(name="黑体", size=11), **boxed)
    body = styles.add("body", font=Font(name="宋体", size=10), **boxed)
    overdue = styles.add("overdue", font=Font(name="宋体", size=10), fill=PatternFill("solid", fgColor="FDE2E2"),
                         **boxed)

    ws.append([safe_cell(ws, PHRASES["appendix_title"].format(
        review=s["review"]["title"], date=chinese_date(s["period_end"])), title)])
    ws.append([safe_cell(ws, h, head) for h in PHRASES["appendix_header"]])
    number = 0
    for group in ("completed", "in_progress"):
        for problem in s[group]:
            for m in problem["measures"]:
                number += 1
                style = overdue if m["overdue_days"] else body
                ws.append([safe_cell(ws, v, style) for v in (
                    number, problem["category"], problem["description"], m["text"], m["department"], m["leader"],
                    m["original_deadline"] or "长期坚持", m["current_deadline"] or "长期坚持", m["status_label"],
                    m["overdue_days"] or "", m["result"],
                )])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
