"""完成率: the one definition of every rate the dashboard, the bulletin and the ledger state.

A measure is sorted into exactly one of four buckets. 长期坚持 (ongoing) measures are never closed
out, so they are counted apart as 持续推进 and left out of the rate's denominator whatever their
status; the other three buckets together are the measures "to be closed". Each figure is shown with
its definition next to it (``Rate.definition``), so a reader never has to guess what 60% counts.

The definitions are translated strings: the dashboard shows them in the user's language, the
documents (ledger, bulletin) in Chinese (``document_text``).
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from measures.models import Measure

CLOSED = "closed"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
ONGOING = "ongoing"
BUCKETS = (CLOSED, IN_PROGRESS, NOT_STARTED, ONGOING)
CLOSABLE_BUCKETS = (CLOSED, IN_PROGRESS, NOT_STARTED)
DOCUMENT_LANGUAGE = "zh-hans"


def measure_bucket(*, status: str, type_: str) -> str:
    """Which of the four counts a measure falls in: 长期坚持 first, then by status (a close-out
    that is requested but not yet signed off is still in progress)."""
    if type_ == Measure.Type.ONGOING:
        return ONGOING
    if status == Measure.Status.CLOSED:
        return CLOSED
    if status == Measure.Status.NOT_STARTED:
        return NOT_STARTED
    return IN_PROGRESS


def completion_rate(closed: int, closable: int) -> float | None:
    """Percent with one decimal, or None when nothing is to be closed (not 0%: nothing is behind)."""
    return round(100 * closed / closable, 1) if closable else None


@dataclass(frozen=True)
class Rate:
    label: str
    definition: str
    short: str  # the definition in a few words, for a dashboard tile (the full one is under the tiles)


MEASURE_RATE = Rate(
    label=_("Completion rate"),
    definition=_(
        "closed measures ÷ measures to be closed; ongoing (long-term) measures are never closed out and are "
        "counted apart as continuing"
    ),
    short=_("closed ÷ to be closed, ongoing apart"),
)
PROBLEM_RATE = Rate(
    label=_("Problems complete"),
    definition=_("problems whose measures, ongoing ones apart, are all closed ÷ all problems"),
    short=_("problems with every measure closed ÷ all problems"),
)


def document_text(text) -> str:
    """A (lazy) translated string in the language of the documents an office files."""
    with translation.override(DOCUMENT_LANGUAGE):
        return str(text)


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value}%"
