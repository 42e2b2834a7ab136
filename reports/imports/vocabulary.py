"""The vocabulary of court ledgers (data): the column names and their synonyms, the words for
types and completion, outline ordinals, and the written forms of a deadline."""

import calendar
import datetime
import re
from typing import Any

from measures.models import Measure

from ..exports.ledger import CLOSEOUT_WORDS, HEADERS, STATUS_WORDS, TYPE_WORDS

HEADER_SCAN_ROWS = 15

# --- the vocabulary of court ledgers (data) ------------------------------------------------------

# field → the header names courts use for it (the first is the name this system exports).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": (HEADERS["seq"], "编号", "序"),
    "category": (HEADERS["category"], "类别", "问题分类", "问题类型", "方面"),
    "problem": (HEADERS["problem"], "存在问题", "问题", "问题描述", "问题表现", "主要问题", "问题清单"),
    "measure": (HEADERS["measure"], "措施", "整改举措", "具体措施", "整改措施及目标"),
    "type": (HEADERS["type"], "类型", "整改方式"),
    "leader": (HEADERS["leader"], "分管院领导", "分管领导", "牵头领导", "责任院领导", "牵头院领导"),
    "lead_department": (HEADERS["lead_department"], "责任部门", "牵头单位", "责任单位", "牵头部门（单位）"),
    "supporting": (HEADERS["supporting"], "配合单位", "协办部门", "协作部门"),
    "owner": (HEADERS["owner"], "具体责任人", "经办人", "责任人员"),
    "deadline": (HEADERS["original_deadline"], "整改时限", "完成时限", "时限", "完成时间", "整改期限"),
    "target": ("整改目标", "目标"),
    "completed_on": ("完成日期", "实际完成时间", "实际完成日期", "销号日期", "销号时间"),
    "current_deadline": (HEADERS["current_deadline"], "调整后时限", "延期后时限"),
    "progress": (HEADERS["progress"], "整改进展", "进展情况", "推进情况", "整改情况"),
    "status": (HEADERS["status"], "整改状态", "状态"),
    "closeout": (HEADERS["closeout"], "销号"),
    "overdue_days": (HEADERS["overdue_days"],),
    "remarks": (HEADERS["remarks"],),
}
IMPORTED_FIELDS = (
    "seq", "category", "problem", "measure", "type", "leader", "lead_department", "supporting", "owner",
    "deadline", "target", "completed_on", "status", "closeout",
)
REQUIRED_FIELDS = ("problem", "measure")
FIELD_LABELS = {key: names[0] for key, names in SYNONYMS.items()}
TYPE_FROM_WORD = {word: key for key, word in TYPE_WORDS.items()} | {
    "限期": Measure.Type.DEADLINE, "立即整改": Measure.Type.IMMEDIATE, "长期整改": Measure.Type.ONGOING,
    "持续整改": Measure.Type.ONGOING,
}
# 完成情况 / 销号情况 words that say the measure is done.
COMPLETED_WORDS = {
    STATUS_WORDS[Measure.Status.CLOSED], CLOSEOUT_WORDS[Measure.Status.CLOSED], "已整改", "完成", "已办结", "已销号",
    "整改完成", "已完成整改",
}
COMPLETED_TEXT = "已完成"  # progress text that says this is a warning sign
DEFAULT_CATEGORY = "其他问题"

_LOOKUP = {name: key for key, names in SYNONYMS.items() for name in names}
_SPACES = re.compile(r"[\s\u3000*＊]+")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
# Outline numbers in front of a category or problem: 一、 （一） 1. 1、 (1) ①, one or several.
_ORDINAL = re.compile(
    r"^(?:\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[）)]|\d+(?:[、．]|\.(?!\d))|[①-⑳]))+\s*"
)

# Deadline words. "底" = end of the month; "前"/"之前"/"止" = by; "年底" = 31 December.
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_YMD = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|之前|止)?$")
_YM = re.compile(r"^(\d{4})年(\d{1,2})月(?:底|末)?(?:前|之前|止)?$")
_Y_END = re.compile(r"^(\d{4})年(?:年)?底(?:前|之前)?$")
_MD = re.compile(r"^(\d{1,2})月(\d{1,2})日(?:前|之前|止)?$")
_M = re.compile(r"^(\d{1,2})月(?:底|末)?(?:前|之前|止)?$")


def normalise(text: Any) -> str:
    return _SPACES.sub("", str(text)) if text is not None else ""


def recognise(text: Any) -> str | None:
    name = normalise(text)
    if not name:
        return None
    return _LOOKUP.get(name) or _LOOKUP.get(_PAREN.sub("", name))


def strip_ordinal(text: str) -> str:
    """"一、政治建设方面" → "政治建设方面"; "（一）理论学习不深入" → "理论学习不深入"."""
    return _ORDINAL.sub("", text, count=1).strip() or text


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(value: Any, *, review_year: int) -> tuple[datetime.date | None, str | None]:
    """(deadline, type the words imply); raises ValueError for anything not understood."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = normalise(value)
    for word, measure_type in TYPE_FROM_WORD.items():
        if text == word:
            return None, measure_type
    try:
        if m := _ISO.match(text) or _YMD.match(text):
            return datetime.date(int(m[1]), int(m[2]), int(m[3])), None
        if m := _YM.match(text):
            return _month_end(int(m[1]), int(m[2])), None
        if m := _Y_END.match(text):
            return datetime.date(int(m[1]), 12, 31), None
        if m := _MD.match(text):
            return datetime.date(review_year, int(m[1]), int(m[2])), None
        if m := _M.match(text):
            return _month_end(review_year, int(m[1])), None
    except ValueError:
        pass  # 13月, 2月30日: the shape was right, the date is not
    raise ValueError(text)
