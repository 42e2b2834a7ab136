"""Display helpers for measure pages.

The measure history stores each change's reason as the workflow wrote it, in the language of the
person who made the change (``measures.workflow._save``). ``history_reason`` shows a reason the
workflow wrote in the reader's language instead: it recognises the workflow's own sentences in any
of the site's languages and renders them again. Anything else (a note the user typed) stays as entered.
"""

import datetime
import functools
import re

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from measures.models import Measure

register = template.Library()

# The sentences measures.workflow passes to _save(); keep in step with it (tests/measures/test_display.py).
WORKFLOW_REASONS = [
    gettext_noop("Started"),
    gettext_noop("Progress reported: %(percent)s%%"),
    gettext_noop("Close-out requested"),
    gettext_noop("Approved by the responsible leader"),
    gettext_noop("Closed"),
    gettext_noop("Returned: %(reason)s"),
    gettext_noop("Extension requested"),
    gettext_noop("Deadline extended to %(date)s"),
    gettext_noop("Extension rejected"),
    gettext_noop("Relapse found in look-back: %(note)s; new deadline %(date)s"),
    gettext_noop("Look-back: the rectification held"),
    gettext_noop("Edited: %(fields)s"),
    gettext_noop("Imported as closed"),
]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _pattern(sentence: str) -> re.Pattern:
    parts, end = [], 0
    for match in _PLACEHOLDER.finditer(sentence):
        parts.append(re.escape(sentence[end:match.start()]))
        parts.append(f"(?P<{match.group(1)}>.*)" if match.group(1) else "%")
        end = match.end()
    parts.append(re.escape(sentence[end:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """(pattern of the sentence as written in some language, msgid), for every site language."""
    found = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found += [(_pattern(gettext(msgid)), msgid) for msgid in WORKFLOW_REASONS]
    return found


@register.filter
def history_reason(reason: str | None) -> str:
    if not reason:
        return ""
    for pattern, msgid in _patterns():
        match = pattern.fullmatch(reason)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return reason


@register.filter
def status_label(code: str) -> str:
    """A measure status code (as stored in a bulletin's snapshot) in the reader's language."""
    try:
        return Measure.Status(code).label
    except ValueError:
        return code


@register.filter
def as_date(value):
    """An ISO date kept in a frozen snapshot (JSON), as a date the |date filter shows in the reader's format."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None
