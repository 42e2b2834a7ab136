"""A bulletin's snapshot rendered as an official document (.docx and .pdf) and as an annex (.xlsx).

The wording is official Chinese document style and is data, not UI: it lives in PHRASES below
(model: ../shared/seeds/003_367276fe6dc3ea06.txt). ``bulletin_content`` turns the snapshot into a
list of blocks (title, headings, paragraphs, the ranking table, the 版记), every text already in
official punctuation; the .docx and the PDF are both drawn from those blocks, so they say the same.

Layout follows GB/T 9704: A4, title in 方正小标宋简体 二号, body in 仿宋_GB2312 三号 with a
two-character first-line indent, level-one headings in 黑体, level-two in 楷体_GB2312, outline
一、（一）1.; full-width punctuation; page numbers "— 1 —" in 四号 宋体 at the foot, odd pages right
and even pages left; the 版记 (抄送, 印发机关 and 印发日期 between rules) at the end.
"""

import datetime
import io
import re
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from issues.outline import chinese_numeral, outline_number

from . import rates
from .exports.base import CellStyles, SafeWorkbook, safe_cell
from .exports.layout import display_width, line_count, lines_height
from .exports.ledger import STATUS_WORDS, TYPE_WORDS

PHRASES = {
    "title": "关于{review}整改情况的通报",
    "title_lines": "关于{review}\n整改情况的通报",  # when it needs two lines: each a whole phrase
    "masthead": "整改工作专项通报",
    "number": "第{number}期",
    "draft": "（草稿）",  # 第N期 comes with publishing
    "issuer": "{court}整改工作领导小组办公室",
    "overview": "一、整改工作总体情况",
    "overview_text": (
        "对{issuing_body}反馈指出的{problems}个问题，细化分解为{measures}条整改措施。截至{date}，"
        "共计{completed}个问题已整改完成，{in_progress}个问题正在推进；整改措施已完成{closed}条，"
        "推进中{measure_in_progress}条，未启动{not_started}条，长期坚持{ongoing}条（持续推进，不计入完成率），"
        "超期{overdue}条，完成率{rate}；共制定或完善相关制度{rules}个。"
    ),
    "change": "与上期相比，新增完成整改措施{closed}条，超期措施{overdue_sign}{overdue}条。",
    "rate_note": "注：{label}＝{definition}。",
    "progress": "二、整改落实情况",
    "completed": "已整改完成的问题",
    "completed_text": "截至目前，共计{n}个问题已整改完成。",
    "in_progress": "正在推进整改的问题",
    "in_progress_text": "截至目前，共计{n}个问题正在整改过程中，仍需深化整改。",
    "problem": "关于{description}问题的整改",
    "measures_done": "整改措施及成效：",
    "measures_stage": "整改措施及阶段性成效：",
    "nth": "{n}是",
    "expected": "预计于{date}完成。",
    "overdue": "三、超期整改措施",
    "overdue_none": "本期无超期整改措施。",
    "overdue_item": "{text}（牵头部门：{department}；责任领导：{leader}；现时限{deadline}，已超期{days}天）",
    "ranking": "四、各部门整改进度",
    "ranking_header": ["牵头部门", "应销号措施数", "已完成", "完成率", "超期数"],
    "empty": "本期该整改任务尚无整改措施，暂无整改进展可通报。",
    "cc": "抄送：{recipients}。",
    "cc_recipients": ["院党组成员", "驻院纪检监察组"],
    "printed": "{date}印发",
    "appendix_sheet": "整改措施清单",
    "appendix_title": "{review}整改措施清单（截至{date}）",  # "…反馈意见整改" loses its 整改 first
    "appendix_header": ["序号", "问题类别", "具体问题", "整改措施", "牵头部门", "责任领导", "原定时限",
                        "现时限", "完成情况", "超期天数", "整改成效"],
    "page": "第 &P 页 共 &N 页",
}

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = 22  # 二号
TEXT_WIDTH_MM = 210 - 28 - 26  # 版心 156 mm on A4
TEXT_WIDTH_PT = TEXT_WIDTH_MM / 25.4 * 72
EM_DASH = "\u2014"  # the 一字线 on each side of a page number


# --- official punctuation ------------------------------------------------------------------------

# A Chinese character or full-width punctuation: half-width punctuation next to one is a typo in an
# official document (GB/T 15834), whether it came from our phrases, the outline numbers or the data.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d\u2014\u2026"
_NEXT_TO_CJK = {
    mark: re.compile(rf"(?<=[{_CJK}])\s*{re.escape(mark)}\s*|\s*{re.escape(mark)}\s*(?=[{_CJK}])")
    for mark in ",;:?!"
}
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_PERIOD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])\.(?=\s|$|[{_CJK}])")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ASCII_QUOTES = re.compile(r'"([^"]*)"')
_HAS_CJK = re.compile(rf"[{_CJK}]")


def _parentheses(match: re.Match) -> str:
    """（…） when the parentheses hold or touch Chinese text; (1) or (v2) among Latin text stays."""
    source, start, end = match.string, match.start(), match.end()
    around = match.group(1) + source[max(start - 1, 0):start] + source[end:end + 1]
    return f"（{match.group(1)}）" if _HAS_CJK.search(around) else match.group(0)


def _quotes(match: re.Match) -> str:
    return f"“{match.group(1)}”" if _HAS_CJK.search(match.group(1)) else match.group(0)


def official_punctuation(text: str) -> str:
    """Half-width , ; : ? ! . ( ) " next to Chinese text become their full-width forms; between
    digits or Latin words ("12:30", "(1)" alone, "v1.2") they stay as they are."""
    if not text:
        return ""
    text = _ASCII_QUOTES.sub(_quotes, _PARENTHESES.sub(_parentheses, text))
    for mark, pattern in _NEXT_TO_CJK.items():
        text = pattern.sub(_FULL_WIDTH[mark], text)
    return _PERIOD_AFTER_CJK.sub("。", text)


def quoted(text: str) -> str:
    """“text”, for a title quoted inside a sentence. Quotes already in the text become the inner
    pair ‘’ (GB/T 15834 4.5), so "“两个责任”落实不到位" reads “‘两个责任’落实不到位”, never ““两个责任”落实不到位”;
    a closing full stop is dropped."""
    text = official_punctuation(text.strip()).rstrip("。；;")
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


# --- content: what the document says, in order ---------------------------------------------------

@dataclass
class Block:
    """One piece of the document. ``kind``: masthead, number, issuer_line, title, h1, h2, h3, p, note,
    table, colophon. A table has ``rows`` (the first is the header); the issuer line has ``issuer`` and
    (the period's end) ``printed``; the colophon has ``cc``, ``issuer`` and ``printed``."""

    kind: str
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    cc: str = ""
    issuer: str = ""
    printed: str = ""


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


def _clause(text: str) -> str:
    """A sentence without its closing punctuation, to be joined into a longer one."""
    while text and text[-1] in "。;；,，":
        text = text[:-1]
    return text


def _measures_sentence(measures: list[dict], *, with_result: bool) -> str:
    parts = []
    for i, m in enumerate(measures, start=1):
        text = _clause(official_punctuation(m["text"]))
        if with_result and m.get("result"):
            text += "，" + _clause(official_punctuation(m["result"]))
        parts.append(PHRASES["nth"].format(n=chinese_numeral(i)) + text)
    return "；".join(parts) + "。" if parts else ""


def _subject(title: str) -> str:
    """"…反馈意见整改" → "关于…反馈意见整改情况的通报", not "整改整改"."""
    return title[: -len("整改")] if title.endswith("整改") else title


def _title(subject: str) -> str:
    """The title on one line if it fits the 版心 in 二号, else broken after the subject, so no line
    ends in the middle of a phrase and "通报" is never left alone (GB/T 9704 7.3.1: 词意完整)."""
    title = PHRASES["title"].format(review=subject)
    if display_width(title) / 2 * TITLE_SIZE <= TEXT_WIDTH_PT:
        return title
    return PHRASES["title_lines"].format(review=subject)


def _rate_note() -> str:
    return PHRASES["rate_note"].format(label=rates.document_text(rates.MEASURE_RATE.label),
                                       definition=rates.document_text(rates.MEASURE_RATE.definition))


def measure_rate(snapshot: dict) -> float | None:
    """The completion rate; a snapshot taken before rates were stored gives its counts instead."""
    if "rates" in snapshot:
        return snapshot["rates"]["measure"]
    t = snapshot["totals"]
    return rates.completion_rate(t["measures_closed"], t["measures"] - t["measures_ongoing"])


def issued_on(bulletin) -> datetime.date:
    """The 印发日期: when it was published, or for a draft when it was made."""
    moment = bulletin.published_at or bulletin.created_at or timezone.now()
    return timezone.localtime(moment).date()


def bulletin_content(bulletin) -> list[Block]:
    s = bulletin.snapshot
    t = s["totals"]
    court = s["review"]["court"]
    issuer = PHRASES["issuer"].format(court=court)
    blocks = [
        Block("masthead", PHRASES["masthead"]),
        Block("number", PHRASES["number"].format(number=bulletin.number) if bulletin.number else PHRASES["draft"]),
        Block("issuer_line", issuer=issuer, printed=chinese_date(s["period_end"])),
        Block("title", _title(_subject(s["review"]["title"]))),
    ]
    if not t["measures"]:
        blocks.append(Block("p", PHRASES["empty"]))
    else:
        blocks += _body_blocks(s)
    recipients = [s["review"].get("issuing_body") or "", *PHRASES["cc_recipients"]]
    blocks.append(Block(
        "colophon", cc=PHRASES["cc"].format(recipients="，".join(r for r in recipients if r)), issuer=issuer,
        printed=PHRASES["printed"].format(date=chinese_date(issued_on(bulletin))),
    ))
    for block in blocks:
        block.text = official_punctuation(block.text)
        block.issuer = official_punctuation(block.issuer)
        block.rows = [[official_punctuation(str(v)) for v in row] for row in block.rows]
        block.cc = official_punctuation(block.cc)
    return blocks


def _body_blocks(s: dict) -> list[Block]:
    t = s["totals"]
    blocks = [Block("h1", PHRASES["overview"]), Block("p", PHRASES["overview_text"].format(
        issuing_body=s["review"]["issuing_body"] or s["review"]["title"], problems=t["problems"],
        measures=t["measures"], date=chinese_date(s["period_end"]), completed=t["problems_completed"],
        in_progress=t["problems_in_progress"], closed=t["measures_closed"],
        measure_in_progress=t["measures_in_progress"], not_started=t["measures_not_started"],
        ongoing=t["measures_ongoing"], overdue=t["measures_overdue"], rules=t["rules_adopted"],
        rate=rates.rate_text(measure_rate(s)),
    )), Block("note", _rate_note())]
    if s.get("change"):
        c = s["change"]
        blocks.append(Block("p", PHRASES["change"].format(
            closed=c["measures_closed"], overdue_sign="增加" if c["measures_overdue"] >= 0 else "减少",
            overdue=abs(c["measures_overdue"]),
        )))

    blocks.append(Block("h1", PHRASES["progress"]))
    for level2, key, text_key, done in (
        (1, "completed", "completed_text", True), (2, "in_progress", "in_progress_text", False)
    ):
        problems = s[key]
        blocks.append(Block("h2", outline_number(2, level2) + PHRASES[key]))
        blocks.append(Block("p", PHRASES[text_key].format(n=len(problems))))
        for i, problem in enumerate(problems, start=1):
            blocks.append(Block("h3", outline_number(3, i) + PHRASES["problem"].format(
                description=quoted(problem["description"]))))
            lead = PHRASES["measures_done"] if done else PHRASES["measures_stage"]
            body = lead + _measures_sentence(problem["measures"], with_result=True)
            if not done and problem.get("expected"):
                body += PHRASES["expected"].format(date=chinese_month(problem["expected"]))
            blocks.append(Block("p", body))

    blocks.append(Block("h1", PHRASES["overdue"]))
    if not s["overdue"]:
        blocks.append(Block("p", PHRASES["overdue_none"]))
    for i, m in enumerate(s["overdue"], start=1):
        blocks.append(Block("p", outline_number(3, i) + PHRASES["overdue_item"].format(
            text=_clause(official_punctuation(m["text"])), department=m["department"] or "—",
            leader=m["leader"] or "—", deadline=chinese_date(m["current_deadline"]), days=m["overdue_days"],
        )))

    blocks.append(Block("h1", PHRASES["ranking"]))
    rows = [PHRASES["ranking_header"]] + [
        [row["department"], row["total"], row["closed"], rates.rate_text(row["rate"]), row["overdue"]]
        for row in s["ranking"]
    ]
    blocks.append(Block("table", rows=rows))
    blocks.append(Block("note", _rate_note()))
    return blocks


# --- .docx ---------------------------------------------------------------------------------------

# kind → (font, size in pt, bold, alignment, first-line indent)
LOOKS = {
    "number": (BODY_FONT, 16, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "title": (TITLE_FONT, TITLE_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "h1": (HEADING_FONT, 16, False, None, True),
    "h2": (SUBHEADING_FONT, 16, False, None, True),
    "h3": (BODY_FONT, 16, True, None, True),
    "p": (BODY_FONT, 16, False, None, True),
    "note": (SUBHEADING_FONT, 14, False, None, True),
}
TABLE_SIZE = 12
MASTHEAD_SIZE = 36
RED = RGBColor(0xFF, 0x00, 0x00)
COLOPHON_SIZE = 14
PAGE_NUMBER_SIZE = 14  # 四号


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


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs, which
    Word, WPS and LibreOffice all update when the document is laid out."""
    def run_with(child):
        run = paragraph.add_run()
        _font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        run._r.append(child)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    _font(paragraph.add_run(placeholder), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_number_footer(footer, align) -> None:
    """"— 1 —": odd pages at the right, even pages at the left, one character in from the edge."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(PAGE_NUMBER_SIZE)
    else:
        fmt.left_indent = Pt(PAGE_NUMBER_SIZE)
    _font(paragraph.add_run(EM_DASH + " "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    _field(paragraph, "PAGE", "1")
    _font(paragraph.add_run(" " + EM_DASH), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


# The children of w:pPr that come after w:pBdr (ECMA-376 CT_PPrBase, as python-docx's CT_PPr lists them).
PPR_AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


def _border(paragraph, *edges_and_sizes: tuple[str, int], color: str = "000000") -> None:
    """Rules above/below a paragraph; size in eighths of a point (GB/T 9704: 0.35 mm ≈ 8, 0.25 mm ≈ 6)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge, size in edges_and_sizes:
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "1")
        element.set(qn("w:color"), color)
        borders.append(element)
    # In schema order (before shd, tabs, spacing, ind, jc …): Word refuses a pPr out of order.
    p_pr.insert_element_before(borders, *PPR_AFTER_BORDERS)


def _masthead(doc, block: Block) -> None:
    """版头: the bulletin's name in red 小标宋, centred, above the issue number."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(12)
    run = paragraph.add_run(block.text)
    _font(run, TITLE_FONT, MASTHEAD_SIZE)
    run.font.color.rgb = RED


def _issuer_line(doc, block: Block, text_width) -> None:
    """The issuing office at the left and the date at the right, over the red rule across the 版心."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    paragraph.paragraph_format.space_after = Pt(24)
    _font(paragraph.add_run(f"{block.issuer}\t{block.printed}"), BODY_FONT, line_size(block, TEXT_WIDTH_PT, 16))
    _border(paragraph, ("bottom", 12), color="FF0000")


def line_size(block: Block, width_pt: float, largest: float) -> float:
    """``largest`` unless the block's ``issuer`` and ``printed`` would not share one line: then the
    largest half-point size at which they do. Counted in half characters, with room for one character
    in at each side, a gap of two, and the space a word processor puts between Chinese and digits."""
    units = display_width(block.issuer) + display_width(block.printed) + 14
    size = largest
    while size > 10 and units * size / 2 > width_pt:
        size -= 0.5
    return size


def _colophon(doc, block: Block, text_width) -> None:
    """版记: 抄送 and then 印发机关 … 印发日期, between a thick rule, a thin one and a thick one."""
    doc.add_paragraph()
    cc = doc.add_paragraph()
    cc.paragraph_format.left_indent = Pt(COLOPHON_SIZE)
    cc.paragraph_format.right_indent = Pt(COLOPHON_SIZE)
    _font(cc.add_run(block.cc), BODY_FONT, COLOPHON_SIZE)
    _border(cc, ("top", 8), ("bottom", 6))
    printed = doc.add_paragraph()
    printed.paragraph_format.left_indent = Pt(COLOPHON_SIZE)
    printed.paragraph_format.right_indent = Pt(COLOPHON_SIZE)
    printed.paragraph_format.tab_stops.add_tab_stop(text_width - Pt(2 * COLOPHON_SIZE), WD_TAB_ALIGNMENT.RIGHT)
    size = line_size(block, TEXT_WIDTH_PT, COLOPHON_SIZE)
    _font(printed.add_run(f"{block.issuer}\t{block.printed}"), BODY_FONT, size)
    _border(printed, ("bottom", 8))


def render_docx(bulletin) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)  # TEXT_WIDTH_MM between them
    section.footer_distance = Mm(21)  # the page number's dashes sit about 7 mm below the text block
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    text_width = section.page_width - section.left_margin - section.right_margin

    for block in bulletin_content(bulletin):
        if block.kind == "table":
            _table(doc, block.rows)
        elif block.kind == "colophon":
            _colophon(doc, block, text_width)
        elif block.kind == "masthead":
            _masthead(doc, block)
        elif block.kind == "issuer_line":
            _issuer_line(doc, block, text_width)
        else:
            font, size, bold, align, indent = LOOKS[block.kind]
            _paragraph(doc, block.text, font=font, size=size, bold=bold, align=align, indent=indent)
            if block.kind == "title":
                doc.add_paragraph()  # a blank line between the title and the text
    return _save_docx(doc)


def _table(doc, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, rows[0], strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, TABLE_SIZE)
    for row in rows[1:]:
        for index, (cell, value) in enumerate(zip(table.add_row().cells, row, strict=True)):
            if index:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(value), BODY_FONT, TABLE_SIZE)


def _save_docx(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- .pdf ----------------------------------------------------------------------------------------

# WeasyPrint lays out about 60 measures a second here (650 measures, ~110 pages: 10.5 s, 290 MB), all
# within the request: above this many a PDF would outlast nginx's 120 s, so the page offers the .docx.
PDF_MAX_MEASURES = 3000


def pdf_available(bulletin) -> bool:
    return bulletin.snapshot["totals"]["measures"] <= PDF_MAX_MEASURES


def render_pdf(bulletin) -> bytes:
    """The same blocks as the .docx, laid out by WeasyPrint (HTML + CSS paged media, no outside
    service) with the Noto CJK fonts standing in for the official ones a server rarely has."""
    from weasyprint import HTML  # imported here: loading pango costs a tenth of a second

    blocks = bulletin_content(bulletin)
    sizes = {b.kind: line_size(b, TEXT_WIDTH_PT, COLOPHON_SIZE if b.kind == "colophon" else 16)
             for b in blocks if b.kind in ("colophon", "issuer_line")}
    html = render_to_string("reports/bulletin_document.html", {"blocks": blocks, "bulletin": bulletin, "sizes": sizes})
    return HTML(string=html).write_pdf()


# --- the annex (.xlsx) ---------------------------------------------------------------------------

# Widths fit A4 landscape at 100% (136 units, w × 7 + 5 px each, are 1,007 px of the 1,046 px between the
# margins), so the 10 pt body prints at 10 pt; long texts wrap and every row is as tall as its longest cell.
APPENDIX_WIDTHS = [4, 14, 18, 30, 9, 10, 9, 9, 6, 5, 22]
APPENDIX_BODY_SIZE = 10
APPENDIX_HEADER_SIZE = 10
APPENDIX_TITLE_SIZE = 14


def _deadline(measure: dict, day: str | None) -> str:
    """A deadline as the ledger writes it: a date, or 长期坚持 / 立行立改 where there is none."""
    if measure["type"] == "ongoing":
        return TYPE_WORDS["ongoing"]
    return chinese_date(day) or TYPE_WORDS.get(measure["type"], "")


def render_xlsx(bulletin) -> bytes:
    s = bulletin.snapshot
    wb = SafeWorkbook()  # text stays text: a measure reading "=HYPERLINK(…)" is never a formula
    ws = wb.create_sheet(PHRASES["appendix_sheet"])
    widths = APPENDIX_WIDTHS
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom, ws.page_margins.footer = 0.6, 0.7, 0.3
    ws.oddFooter.center.text = "&9" + PHRASES["page"]
    thin = Side(style="thin", color="999999")
    boxed = {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "alignment": Alignment(wrap_text=True, vertical="center"),
    }
    styles = CellStyles(ws)
    title = styles.add("title", font=Font(name="黑体", size=APPENDIX_TITLE_SIZE),
                       alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    head = styles.add("head", font=Font(name="黑体", size=APPENDIX_HEADER_SIZE), border=boxed["border"],
                      alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"))
    body = styles.add("body", font=Font(name="宋体", size=APPENDIX_BODY_SIZE), **boxed)
    overdue = styles.add("overdue", font=Font(name="宋体", size=APPENDIX_BODY_SIZE),
                         fill=PatternFill("solid", fgColor="FDE2E2"), **boxed)

    row = 1

    def append(values: list, style, size: float) -> None:
        """A row as tall as its longest wrapped cell (a write-only sheet writes it on append)."""
        nonlocal row
        lines = max(line_count(v, w) for v, w in zip(values, widths, strict=True))
        ws.row_dimensions[row].height = lines_height(lines, size)
        ws.append([safe_cell(ws, v, style) for v in values])
        del ws.row_dimensions[row]
        row += 1

    heading = official_punctuation(PHRASES["appendix_title"].format(
        review=_subject(s["review"]["title"]), date=chinese_date(s["period_end"])))
    ws.row_dimensions[1].height = lines_height(line_count(heading, sum(widths)), APPENDIX_TITLE_SIZE)
    ws.append([safe_cell(ws, heading, title)])
    ws.merged_cells.ranges.add(CellRange(min_col=1, min_row=1, max_col=len(widths), max_row=1))
    row = 2
    append(PHRASES["appendix_header"], head, APPENDIX_HEADER_SIZE)
    number = 0
    for group in ("completed", "in_progress"):
        for problem in s[group]:
            for m in problem["measures"]:
                number += 1
                append([
                    number, problem["category"], problem["description"], m["text"], m["department"],
                    m["leader"], _deadline(m, m["original_deadline"]), _deadline(m, m["current_deadline"]),
                    STATUS_WORDS.get(m["status"], m["status_label"]), m["overdue_days"] or "", m["result"],
                ], overdue if m["overdue_days"] else body, APPENDIX_BODY_SIZE)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
