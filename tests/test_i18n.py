"""Translations: the Simplified Chinese catalogue is complete, keeps every placeholder, compiles,
and the committed .mo files say what their .po files say.

The .po files are parsed by hand (polib is not a dependency). makemessages writes
``{% blocktranslate %}`` variables as ``%(name)s``; ``{{ name }}`` is checked too, in case one
is ever written by hand.
"""

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$')


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), s)


@dataclass
class Entry:
    line: int
    flags: set = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict = field(default_factory=dict)  # None (singular) or plural index -> text

    def __str__(self):
        return f"line {self.line}: {self.msgid!r}"


def parse_po(path: Path) -> list[Entry]:
    """Every live entry of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target = None  # (attribute, plural index)
    pending_flags: set = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            continue
        m = _KEYWORD.match(line)
        if m:
            keyword, index, text = m.group(1), m.group(2), _unescape(m.group(3))
            if current is None or keyword in ("msgctxt",) or (keyword == "msgid" and current.msgstr):
                current = Entry(line=number, flags=pending_flags)
                entries.append(current)
                pending_flags = set()
            if keyword.startswith("msgstr"):
                key = int(index) if index is not None else None
                current.msgstr[key] = text
                target = ("msgstr", key)
            else:
                setattr(current, keyword, text)
                target = (keyword, None)
            continue
        if line.startswith('"') and line.endswith('"') and current is not None and target:
            text = _unescape(line[1:-1])
            attribute, key = target
            if attribute == "msgstr":
                current.msgstr[key] += text
            else:
                setattr(current, attribute, getattr(current, attribute) + text)
            continue
        raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    return entries


_PRINTF = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?([diouxXeEfFgGcrsa%])")
_TEMPLATE_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def placeholders(text: str) -> set[str]:
    """Named printf placeholders with their conversion (``%(n)d`` → ``n:d``), positional ones
    numbered, and ``{{ var }}``; ``%%`` is a literal percent sign, not a placeholder."""
    found, positional = set(), 0
    for name, conversion in _PRINTF.findall(text):
        if conversion == "%":
            continue
        if name:
            found.add(f"{name}:{conversion}")
        else:
            positional += 1
            found.add(f"#{positional}:{conversion}")
    found |= {f"{{{{{v}}}}}" for v in _TEMPLATE_VAR.findall(text)}
    return found


@pytest.fixture(scope="module")
def zh_entries():
    entries = parse_po(ZH_PO)
    assert entries and entries[0].msgid == "", "the catalogue starts with its header"
    return entries


def test_header_is_valid(zh_entries):
    header = zh_entries[0]
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt, and with it the plural rule"
    text = header.msgstr[None]
    assert "Content-Type: text/plain; charset=UTF-8" in text
    assert "Language: zh_Hans" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    en_header = parse_po(EN_PO)[0]
    assert "fuzzy" not in en_header.flags
    assert "Content-Type: text/plain; charset=UTF-8" in en_header.msgstr[None]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in en_header.msgstr[None]


def test_every_entry_is_translated_and_not_fuzzy(zh_entries):
    messages = zh_entries[1:]
    assert len(messages) > 100
    fuzzy = [str(e) for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries are ignored at runtime; check and unflag: {fuzzy}"
    empty = [str(e) for e in messages if not e.msgstr or not all(s.strip() for s in e.msgstr.values())]
    assert not empty, f"untranslated: {empty}"
    wrong_forms = [str(e) for e in messages if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong_forms, f"Chinese has one plural form, msgstr[0] only: {wrong_forms}"


def test_placeholders_are_kept(zh_entries):
    bad = []
    for e in zh_entries[1:]:
        for key, text in e.msgstr.items():
            # msgstr[0] serves every count, so it follows the plural msgid.
            source = e.msgid_plural if e.msgid_plural is not None else e.msgid
            if placeholders(text) != placeholders(source):
                bad.append(f"{e} [{key}]: {sorted(placeholders(source))} != {sorted(placeholders(text))}")
    assert not bad, "\n".join(bad)


def test_placeholder_parsing():
    assert placeholders("超期%(d)s天") == {"d:s"}
    assert placeholders("%(n)d of %(name)s") == {"n:d", "name:s"}
    assert placeholders("报送进展：%(percent)s%%") == {"percent:s"}
    assert placeholders("{{ c }}类{{ p }}个问题") == {"{{c}}", "{{p}}"}


def test_english_leaves_msgstr_empty():
    """English falls back to the msgid; a stray English msgstr would silently override it."""
    filled = [str(e) for e in parse_po(EN_PO)[1:] if any(e.msgstr.values())]
    assert not filled, filled


@pytest.mark.parametrize("po", [ZH_PO, EN_PO], ids=["zh_Hans", "en"])
def test_po_compiles_and_matches_committed_mo(po, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(compiled), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run manage.py compilemessages"
    with compiled.open("rb") as fresh, committed.open("rb") as stored:
        fresh_catalog = gettext.GNUTranslations(fresh)._catalog
        stored_catalog = gettext.GNUTranslations(stored)._catalog
    stale = sorted(
        str(k) for k in fresh_catalog.keys() | stored_catalog.keys()
        if fresh_catalog.get(k) != stored_catalog.get(k)
    )
    assert not stale, f"{committed} is out of date with {po.name} (run compilemessages): {stale[:20]}"


def test_runtime_uses_the_catalogue():
    from measures.models import Measure

    with translation.override("zh-hans"):
        assert translation.gettext("My measures") == "我的整改任务"
        assert translation.gettext("Awaiting my approval") == "待我审批"
        assert translation.gettext("Zhenggaitong") == "整改通"
        assert str(Measure._meta.verbose_name) == "整改措施"
        assert str(Measure._meta.verbose_name_plural) == "整改措施"
        assert str(Measure._meta.get_field("responsible_leader").verbose_name) == "责任领导"
        assert translation.ngettext("%(d)s day overdue", "%(d)s days overdue", 3) % {"d": 3} == "超期3天"
    with translation.override("en"):
        assert translation.gettext("My measures") == "My measures"
        assert translation.ngettext("%(d)s day overdue", "%(d)s days overdue", 1) % {"d": 1} == "1 day overdue"
