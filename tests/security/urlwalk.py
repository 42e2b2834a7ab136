"""Every named URL of the project (the Django admin aside), with its kwargs filled from real objects."""

import datetime
from dataclasses import dataclass

from django.urls import URLResolver, get_resolver, reverse

from measures import workflow
from tests import factories as f

MISSING = 999999  # objects the fixture does not build: every role must get the same "not found"


def named_patterns():
    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                child = p.namespace
                yield from walk(p.url_patterns, f"{ns}:{child}" if ns and child else child or ns)
            elif p.name:
                yield (f"{ns}:" if ns else "") + p.name, p.pattern.regex.groupindex.keys()

    seen = {}
    for name, kwargs in walk(get_resolver().url_patterns):
        seen.setdefault(name, sorted(kwargs))
    return seen


@dataclass
class World:
    """Department A's review, problem, measure (in progress, with evidence, a pending extension),
    a bulletin and a ledger export — the objects every object route points at."""

    org: object
    review: object
    category: object
    problem: object
    finding: object
    measure: object
    evidence: object
    extension: object
    bulletin: object
    ledger_export: object
    progress: object
    closeout: object


def build_world(org, review, category, problem, measure, drive) -> World:
    from reports import bulletins, ledgers

    measure = drive.in_progress(measure, with_evidence=True)
    extension = workflow.measure_request_extension(
        measure=measure, actor=org.staff_a, new_deadline=f.DEADLINE + datetime.timedelta(days=30), reason="协调"
    )
    measure = drive.reload(measure)
    bulletin = bulletins.bulletin_generate(review=review, actor=org.office, period_start=f.FEEDBACK_DATE,
                                           period_end=f.FEEDBACK_DATE + datetime.timedelta(days=30))
    export = ledgers.ledger_export_request(actor=org.office, params={}).export
    closeout = f.CloseOutFactory(measure=f.MeasureFactory(problem=problem, lead_department=org.dept_a,
                                                          read_only_closeout_requested=True))
    return World(org=org, review=review, category=category, problem=problem,
                 finding=f.FindingFactory(review=review), measure=measure, evidence=measure.evidence.get(),
                 extension=extension, bulletin=bulletin, ledger_export=export,
                 progress=measure.progress_reports.get(), closeout=closeout)


def pk_for(name: str, world: World):
    if name.startswith(("measure_", "setup_measure", "api:measure-")):
        return world.measure.pk
    table = [
        ("bulletin", world.bulletin), ("ledger_export", world.ledger_export), ("evidence", world.evidence),
        ("extension", world.extension), ("progressreport", world.progress), ("closeout", world.closeout),
        ("finding", world.finding), ("category", world.category), ("problem", world.problem),
        ("review", world.review), ("court", world.org.court), ("department", world.org.dept_a),
        ("user", world.org.staff_a),
    ]
    for key, obj in table:
        if key in name:
            return obj.pk
    return MISSING  # notifications, prompts, look-backs: none exist in this world


def url_for(name: str, kwargs: list[str], world: World) -> str:
    values = {}
    for key in kwargs:
        if key == "pk":
            values[key] = pk_for(name, world)
        elif key == "review_pk":
            values[key] = world.review.pk
        elif key == "problem_pk":
            values[key] = world.problem.pk
        elif key == "category_pk":
            values[key] = world.category.pk
        elif key == "direction":
            values[key] = "up"
        elif key == "fmt":
            values[key] = "docx"
        elif key == "token":
            values[key] = "no-such-import"
        elif key == "key":
            values[key] = "0" * 40  # a captcha that was never issued
        else:
            raise AssertionError(f"{name}: fill the URL kwarg {key!r} in tests/security/urlwalk.py")
    return reverse(name, kwargs=values)
