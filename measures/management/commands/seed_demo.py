"""``manage.py seed_demo``: realistic demo data, built through the real services and workflow.

Courts, departments and one account per role come first; then each review of ``measures.demo_data``
is set up by its rectification office (issues.services) and every measure is driven through
``measures.workflow`` — the only code that changes a measure's status. The workflow stamps "now";
afterwards the timestamps (progress reports, evidence, close-outs, extensions, look-backs and the
measure history) are moved back to when the step plausibly happened, so the history reads
2020-07 … 2020-12 for the inspection review. Open measures get deadlines relative to today, so the
traffic lights show every colour whenever the demo is seeded.

Running it again changes nothing: once the main review exists the command only says so.
"""

import calendar
import datetime
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Court, Department, User
from issues import services as issue_services
from issues.models import Problem, Review
from measures import demo_data as data
from measures import workflow
from measures.freshness import measures_changed
from measures.models import CloseOut, Evidence, Extension, LookBack, Measure, ProgressReport

D = datetime.timedelta


# --- small real files for evidence ----------------------------------------------------------------

def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal but valid one-page PDF (Helvetica, ASCII text) with a correct xref table."""
    text = "BT /F1 14 Tf 72 760 Td 18 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines
    ) + " ET"
    stream = text.encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def png_bytes(seed: int, width: int = 160, height: int = 90) -> bytes:
    """A small RGB PNG with coloured bands (a stand-in for a site photo)."""
    palette = [(200, 30, 30), (240, 190, 40), (40, 150, 80), (40, 90, 170), (120, 120, 120)]
    rows = []
    for y in range(height):
        colour = palette[(y // 18 + seed) % len(palette)]
        rows.append(b"\x00" + bytes(colour) * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    """A minimal valid Word document (the three required parts), built in memory in a millisecond."""
    def run(text: str, bold: bool = False) -> str:
        props = '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr>' if bold else ""
        return f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = run(title, bold=True) + "".join(run(p) for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("_rels/.rels", DOCX_RELS)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Like PostgreSQL's ``date + make_interval(months => n)``: the day is clamped to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- the builder ------------------------------------------------------------------------------------

@dataclass
class Track:
    """One measure being driven, with the moments its history rows should carry."""

    measure: Measure
    spec: dict
    index: int
    owner: User
    submitter: User
    leader: User
    office: User
    setup: datetime.datetime
    # (real time just before a workflow step, the moment to show for it)
    steps: list = field(default_factory=list)
    completed_on: datetime.date | None = None


class DemoBuilder:
    def __init__(self, today: datetime.date):
        self.today = today
        self.courts: dict[str, Court] = {}
        self.departments: dict[tuple[str, str], Department] = {}
        self.users: dict[str, User] = {}
        self.file_count = 0
        self.measure_count = 0
        self.pending: dict = {}  # model → {pk: {field: value}}: timestamps to move back, written in bulk

    # dates ----------------------------------------------------------------------------------------
    def day(self, value) -> datetime.date | None:
        if value is None:
            return None
        if isinstance(value, int):
            return self.today + D(days=value)
        return datetime.date.fromisoformat(value)

    def at(self, day: datetime.date, index: int = 0, step: int = 0) -> datetime.datetime:
        """A working-hours moment on ``day``, varied by measure and step; never in the future."""
        hour, minute = 9 + (index * 3 + step * 2) % 8, (index * 7 + step * 13) % 60
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, timezone.now() - D(minutes=5))

    def later(self, model, pk: int, **values) -> None:
        self.pending.setdefault(model, {}).setdefault(pk, {}).update(values)

    def flush(self, review: Review) -> None:
        """Write the collected timestamps, one bulk update per model and set of fields."""
        for model, rows in self.pending.items():
            groups: dict[tuple, list] = {}
            for pk, values in rows.items():
                groups.setdefault(tuple(sorted(values)), []).append(model(pk=pk, **values))
            for fields, objects in groups.items():
                model.objects.bulk_update(objects, list(fields), batch_size=500)
        self.pending = {}
        # Evidence carries the moment of the report or request it came with.
        evidence = Evidence.objects.filter(measure__review=review)
        evidence.filter(progress_report__isnull=False).update(uploaded_at=Subquery(
            ProgressReport.objects.filter(pk=OuterRef("progress_report_id")).values("created_at")[:1]
        ))
        evidence.filter(closeout__isnull=False).update(uploaded_at=Subquery(
            CloseOut.objects.filter(pk=OuterRef("closeout_id")).values("requested_at")[:1]
        ))

    # organisation ---------------------------------------------------------------------------------
    def seed_organisation(self) -> None:
        for spec in data.COURTS:
            court, _ = Court.objects.update_or_create(
                name=spec["name"],
                defaults={
                    "short_name": spec["short_name"], "level": spec["level"],
                    "parent": self.courts[spec["parent"]] if spec["parent"] else None,
                },
            )
            self.courts[spec["key"]] = court
        for court_key, departments in data.DEPARTMENTS.items():
            for order, (code, name) in enumerate(departments, start=1):
                self.departments[court_key, code], _ = Department.objects.update_or_create(
                    court=self.courts[court_key], name=name, defaults={"order": order}
                )
        password = make_password(data.DEMO_PASSWORD)
        for spec in data.USERS:
            values = {
                "full_name": spec["full_name"], "title": spec["title"], "court": self.courts[spec["court"]],
                "department": self.departments[spec["court"], spec["department"]] if spec["department"] else None,
                "roles": spec["roles"], "is_active": True,
                "is_staff": bool({"rectification_office", "system_admin"} & set(spec["roles"])),
            }
            user, _ = User.objects.update_or_create(
                username=spec["username"], defaults=values, create_defaults={**values, "password": password}
            )
            user.supervised_departments.set([self.departments[spec["court"], code] for code in spec["supervises"]])
            apps = [app for role in spec["roles"] for app in data.ADMIN_PERMISSIONS.get(role, [])]
            user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
            self.users[spec["username"]] = user

    def _member(self, court_key: str, code: str, role: str) -> User | None:
        for spec in data.USERS:
            if spec["court"] == court_key and spec["department"] == code and role in spec["roles"]:
                return self.users[spec["username"]]
        return None

    def _supervisor(self, court_key: str, code: str) -> User | None:
        for spec in data.USERS:
            if spec["court"] == court_key and code in spec["supervises"]:
                return self.users[spec["username"]]
        return None

    # reviews --------------------------------------------------------------------------------------
    def seed_review(self, spec: dict) -> Review | None:
        court = self.courts[spec["court"]]
        if Review.objects.filter(court=court, title=spec["title"]).exists():
            return None
        office = self.users[spec["office"]]
        setup = self.at(self.day(spec["setup_date"]), 0, 0)
        review = issue_services.review_create(
            actor=office, court=court, title=spec["title"], source=spec["source"],
            issuing_body=spec["issuing_body"], period_start=self.day(spec["period_start"]),
            period_end=self.day(spec["period_end"]), feedback_date=self.day(spec["feedback_date"]),
            deadline=self.day(spec["deadline"]), leading_group=spec["leading_group"],
            bulletin_frequency=spec["bulletin_frequency"],
        )
        problems: dict[str, Problem] = {}
        tracks: list[Track] = []
        for category_spec in spec["categories"]:
            category = issue_services.category_create(review=review, actor=office, name=category_spec["name"])
            for problem_spec in category_spec["problems"]:
                problem = issue_services.problem_create(
                    category=category, actor=office, description=problem_spec["description"],
                    root_cause=problem_spec.get("root_cause", ""),
                    responsible_leader=self.users[problem_spec["leader"]],
                    lead_department=self.departments[spec["court"], problem_spec["lead"]],
                    supporting_departments=[
                        self.departments[spec["court"], code] for code in problem_spec.get("support", [])
                    ],
                )
                problems[problem_spec["key"]] = problem
                for order, measure_spec in enumerate(problem_spec["measures"], start=1):
                    tracks.append(self._create_measure(spec, problem, problem_spec, measure_spec, order, setup))
        for finding_spec in spec["findings"]:
            issue_services.finding_create(
                review=review, actor=office, problems=[problems[key] for key in finding_spec["problems"]],
                text=finding_spec["text"], aspect=finding_spec.get("aspect", ""),
                benchmark_practice=finding_spec.get("benchmark_practice", ""), gap=finding_spec.get("gap", ""),
            )
        for track in tracks:
            self._drive(track)
            self._backdate_history(track)
        self.flush(review)
        finished = [Measure.Status.CLOSED, Measure.Status.ONGOING]
        if not Measure.objects.filter(review=review).exclude(status__in=finished).exists():
            issue_services.review_update(review=review, actor=office, status=Review.Status.COMPLETED)
        Review.objects.filter(pk=review.pk).update(created_at=setup)
        Review.history.filter(id=review.pk).update(history_date=setup)
        Problem.history.filter(id__in=[p.pk for p in problems.values()]).update(history_date=setup)
        return review

    def _create_measure(self, review_spec, problem, problem_spec, spec, order, setup) -> Track:
        court_key = review_spec["court"]
        lead = spec["lead"]
        owner = self._member(court_key, lead, "staff") or self._member(court_key, lead, "department_head")
        if owner is None:
            raise ValueError(f"No demo user in department {lead} of {court_key}")
        leader = self._supervisor(court_key, lead) or self.users[problem_spec["leader"]]
        office = self.users[review_spec["office"]]
        plan = spec["plan"] or ("ongoing" if spec["type"] == "ongoing" else "closed")
        closing = plan in ("closed", "closed_extended", "closed_returned", "relapsed")
        values = {
            "text": spec["text"], "type": spec["type"], "target": spec["target"] or "按期完成整改，形成长效机制。",
            "responsible_leader": leader, "lead_department": self.departments[court_key, lead], "owner": owner,
            "report_frequency": Measure.Frequency.BY_STAGE if spec["type"] == "immediate" else Measure.Frequency.MONTHLY,
            "original_deadline": self.day(spec["due"]), "order": order,
        }
        if spec["rules"] and not closing:
            values["rules_adopted"] = spec["rules"]
        created = timezone.now()
        measure = workflow.measure_create(
            problem=problem, actor=office,
            supporting_departments=[self.departments[court_key, code] for code in spec["support"]], **values,
        )
        self.measure_count += 1
        moment = setup + D(minutes=order * 3)
        track = Track(
            measure=measure, spec={**spec, "plan": plan}, index=self.measure_count, owner=owner,
            submitter=self._member(court_key, lead, "department_head") or owner, leader=leader, office=office,
            setup=moment, steps=[(created, moment)],
        )
        return track

    # evidence ---------------------------------------------------------------------------------------
    def _file(self, track: Track, *, report: bool = False) -> SimpleUploadedFile:
        self.file_count += 1
        text = track.measure.text
        if report:
            body = [f"整改措施：{text}", f"整改结果：{track.spec['result'] or '已按要求完成整改。'}",
                    f"牵头部门：{track.measure.lead_department.name}", f"责任人：{track.owner.full_name}"]
            return SimpleUploadedFile("整改情况报告.docx", docx_bytes("整改情况报告", body),
                                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        kind = self.file_count % 3
        if kind == 0:
            return SimpleUploadedFile("现场照片.png", png_bytes(self.file_count), "image/png")
        name = text.split("《", 1)[1].split("》", 1)[0] if "《" in text else "整改工作台账"
        if kind == 1:
            lines = ["Zhenggaitong demo evidence", f"Measure no. {track.measure.pk}", f"File no. {self.file_count}"]
            return SimpleUploadedFile(f"{name}.pdf", pdf_bytes(lines), "application/pdf")
        return SimpleUploadedFile(f"{name}.docx", docx_bytes(name, [text]),
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    # workflow steps, each followed by moving its timestamps back -----------------------------------
    def progress(self, t: Track, day: datetime.date, percent: int, stage: str, *, files: bool = True, step=0):
        when = self.at(day, t.index, step)
        t.steps.append((timezone.now(), when))
        notes = data.PROGRESS_NOTES[stage]
        report = workflow.measure_report_progress(
            measure=t.measure, actor=t.owner, note=notes[(t.index + step) % len(notes)], percent=percent,
            files=[self._file(t)] if files else [],
        )
        self.later(ProgressReport, report.pk, created_at=when)

    def submit(self, t: Track, day: datetime.date, step=1) -> CloseOut:
        when = self.at(day, t.index, step)
        t.steps.append((timezone.now(), when))
        closeout = workflow.measure_submit_closeout(
            measure=t.measure, actor=t.submitter, result=t.spec["result"] or "整改措施已落实到位。",
            files=[self._file(t, report=True)], rules_adopted=t.spec["rules"] or None,
        )
        self.later(CloseOut, closeout.pk, requested_at=when)
        return closeout

    def leader_approve(self, t: Track, closeout: CloseOut, day: datetime.date, step=2):
        when = self.at(day, t.index, step)
        t.steps.append((timezone.now(), when))
        workflow.measure_approve_closeout(measure=t.measure, actor=t.leader, note="同意销号，报整改办审核。")
        self.later(CloseOut, closeout.pk, leader_decided_at=when)

    def office_approve(self, t: Track, closeout: CloseOut, day: datetime.date, step=3):
        when = self.at(day, t.index, step)
        t.steps.append((timezone.now(), when))
        workflow.measure_approve_closeout(measure=t.measure, actor=t.office, note="经审核，同意销号。")
        self.later(CloseOut, closeout.pk, office_decided_at=when)
        t.completed_on = timezone.localtime(when).date()

    def office_return(self, t: Track, closeout: CloseOut, day: datetime.date, step=3):
        when = self.at(day, t.index, step)
        t.steps.append((timezone.now(), when))
        workflow.measure_return_closeout(measure=t.measure, actor=t.office, reason=data.RETURN_REASON)
        self.later(CloseOut, closeout.pk, office_decided_at=when)

    def extension(self, t: Track, new_deadline, request_day, decide_day=None, *, approve=True):
        when = self.at(request_day, t.index, 4)
        t.steps.append((timezone.now(), when))
        extension = workflow.measure_request_extension(
            measure=t.measure, actor=t.submitter, new_deadline=new_deadline, reason=data.EXTENSION_REASON
        )
        self.later(Extension, extension.pk, requested_at=when)
        if decide_day is None:
            return
        when = self.at(decide_day, t.index, 5)
        t.steps.append((timezone.now(), when))
        workflow.measure_decide_extension(
            extension=extension, actor=t.office, approve=approve,
            note="同意延期。" if approve else data.EXTENSION_REJECTION,
        )
        self.later(Extension, extension.pk, decided_at=when)

    def lookback(self, t: Track, *, relapse: bool = False, new_deadline: datetime.date | None = None
                 ) -> datetime.date | None:
        """回头看 on the date the scheduled scan would pick (close-out + the review's months)."""
        due = add_months(t.completed_on, t.measure.review.lookback_months)
        if due > self.today:
            return None  # the scheduled scan creates it when it falls due
        lookback = LookBack.objects.create(measure=t.measure, due_on=due)
        checked = due + D(days=2 + t.index % 5)
        if checked >= self.today and not relapse:
            return None  # left pending: the office's look-back queue is not empty
        when = self.at(min(checked, self.today - D(days=1)), t.index, 6)
        t.steps.append((timezone.now(), when))
        workflow.measure_record_lookback(
            lookback=lookback, actor=t.office,
            outcome=LookBack.Outcome.RELAPSED if relapse else LookBack.Outcome.HELD,
            note=data.LOOKBACK_RELAPSE if relapse else data.LOOKBACK_HELD, new_deadline=new_deadline,
        )
        self.later(LookBack, lookback.pk, checked_at=when)
        return when.date()

    # plans ------------------------------------------------------------------------------------------
    def _drive(self, t: Track) -> None:
        plan, start, j = t.spec["plan"], t.setup.date(), t.index % 3
        due = t.measure.original_deadline
        recent = self.today - D(days=3 + t.index % 9)
        early = start + D(days=min(60, max(1, (self.today - start).days // 3)))

        def close(deadline: datetime.date, after: datetime.date, *, returned: bool = False) -> None:
            final = max(after + D(days=1), deadline - D(days=(14 if returned else 8) + j))
            if (final - after).days >= 10:
                self.progress(t, after + D(days=(final - after).days // 2), 50, "middle", files=False, step=1)
            self.progress(t, final, 100, "done", step=2)
            closeout = self.submit(t, final + D(days=1))
            self.leader_approve(t, closeout, final + D(days=2 + j % 2))
            if returned:
                self.office_return(t, closeout, final + D(days=3))
                self.progress(t, final + D(days=5), 100, "done", step=3)
                closeout = self.submit(t, final + D(days=6))
                self.leader_approve(t, closeout, final + D(days=7))
                self.office_approve(t, closeout, final + D(days=9))
            else:
                self.office_approve(t, closeout, final + D(days=4))

        if plan == "not_started":
            return
        if plan == "ongoing":
            days = sorted({early, start + D(days=100), recent})
            for step, day in enumerate(d for d in days if start < d < self.today):
                self.progress(t, day, min(40 + 20 * step, 90), "ongoing", files=step == 1, step=step)
            return
        span = (due - start).days if due else 0
        if plan in ("closed", "closed_returned", "relapsed"):
            if span >= 20:
                self.progress(t, start + D(days=span // 4), 30, "start", files=False)
            close(due, start + D(days=max(1, span // 4)), returned=plan == "closed_returned")
            if plan == "relapsed":
                reopened = self.lookback(t, relapse=True, new_deadline=self.day(t.spec["ext_to"]))
                self.progress(t, max(reopened + D(days=1), self.today - D(days=6)), 60, "middle", step=4)
            else:
                self.lookback(t)
            return
        if plan == "closed_extended":
            self.progress(t, start + D(days=max(1, span // 4)), 30, "start", files=False)
            self.extension(t, self.day(t.spec["ext_to"]), due - D(days=6), due - D(days=4))
            close(self.day(t.spec["ext_to"]), due - D(days=4))
            self.lookback(t)
            return
        # still open (deadlines relative to today)
        self.progress(t, early, 30, "start", files=False)
        if plan == "in_progress":
            left = (due - self.today).days
            self.progress(t, recent, 80 if 0 <= left <= 7 else 60 if left < 0 else 40, "middle", step=1)
        elif plan == "closeout_leader":
            self.progress(t, self.today - D(days=6), 100, "done", step=1)
            self.submit(t, self.today - D(days=4), step=2)
        elif plan == "closeout_office":
            self.progress(t, self.today - D(days=9), 100, "done", step=1)
            closeout = self.submit(t, self.today - D(days=7), step=2)
            self.leader_approve(t, closeout, self.today - D(days=4), step=3)
        elif plan == "extension_pending":
            self.progress(t, self.today - D(days=14), 50, "middle", step=1)
            self.extension(t, self.day(t.spec["ext_to"]), self.today - D(days=2))
        elif plan == "extended":
            self.extension(t, self.day(t.spec["ext_to"]), due - D(days=4), due - D(days=2))
            self.progress(t, recent, 60, "middle", step=1)
        elif plan == "extension_rejected":
            self.extension(t, self.day(t.spec["ext_to"]), due - D(days=5), due - D(days=3), approve=False)
            self.progress(t, recent, 40, "middle", step=1)
        else:
            raise ValueError(f"Unknown plan {plan!r}")

    def _backdate_history(self, t: Track) -> None:
        """Give each history row the moment of the step that wrote it (whatever rows a step writes)."""
        HistoricalMeasure = Measure.history.model
        rows = list(HistoricalMeasure.objects.filter(id=t.measure.pk).order_by("history_id"))
        for row in rows:
            moment = t.setup
            for started, shown in t.steps:
                if started <= row.history_date:
                    moment = shown
            row.history_date = moment
            row.created_at = t.setup
            row.updated_at = moment
            if row.completed_on is not None:
                row.completed_on = t.completed_on
        HistoricalMeasure.objects.bulk_update(rows, ["history_date", "created_at", "updated_at", "completed_on"])
        values = {"created_at": t.setup, "updated_at": t.steps[-1][1]}
        if rows and rows[-1].status == Measure.Status.CLOSED:
            values["completed_on"] = t.completed_on
        self.later(Measure, t.measure.pk, **values)

    # rules adopted (制度成果) ----------------------------------------------------------------------
    def seed_rules(self, reviews: list[Review]) -> int:
        """Register the rules the seeds name (《…》 in a measure's text or result that the court itself adopted),
        each linked to its measure and problem, through the register's own service."""
        from measures.rules import rule_register

        count = 0
        for review in reviews:
            office = User.objects.filter(court=review.court, roles__contains=["rectification_office"]).first()
            if office is None:
                continue
            seen: set[str] = set()
            # Only finished work has adopted its rule; an open measure's 《…》 is still the plan.
            closed = review.measures.filter(completed_on__isnull=False)
            for measure in closed.select_related("problem", "review").order_by("id"):
                for name in data.RULE_NAME.findall(f"{measure.text} {measure.result}"):
                    if name in seen or any(word in name for word in data.RULE_NOT_OURS):
                        continue
                    seen.add(name)
                    rule_register(actor=office, name=f"《{name}》", measures=[measure], problems=[measure.problem],
                                  adopted_on=measure.completed_on,
                                  issuing_department=measure.lead_department)
                    count += 1
        return count


class Command(BaseCommand):
    help = "Build the demo courts, accounts and reviews (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--print-password", action="store_true", help="Print only the demo password.")
        parser.add_argument("--print-logins", action="store_true", help="Print the demo accounts.")

    def handle(self, *args, print_password=False, print_logins=False, **options):
        if print_password:
            self.stdout.write(data.DEMO_PASSWORD)
            return
        if print_logins:
            self.print_logins()
            return
        if Review.objects.filter(title=data.MAIN_REVIEW_TITLE, court__name=data.COURTS[1]["name"]).exists():
            self.stdout.write("演示数据已存在，未做改动。")
            return
        builder = DemoBuilder(timezone.localdate())
        with transaction.atomic():
            builder.seed_organisation()
            reviews = [review for spec in data.REVIEWS if (review := builder.seed_review(spec))]
            builder.seed_rules(reviews)
            measures_changed()  # the history was back-dated with bulk updates
        flagged = self._flag_overdue()
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已生成：{len(data.COURTS)}个法院，{len(builder.users)}个账号，{len(reviews)}个整改任务，"
            f"{builder.measure_count}条整改措施（{flagged}条已标记逾期）。"
        ))

    @staticmethod
    def _flag_overdue() -> int:
        """Mark overdue measures now, as the daily scheduled scan would."""
        from measures.overdue import overdue_scan

        return overdue_scan()

    def print_logins(self) -> None:
        usernames = [spec["username"] for spec in data.USERS if spec["featured"]]
        users = {u.username: u for u in User.objects.filter(username__in=usernames).select_related("court")}
        pad = "\u3000"
        self.stdout.write(f"  {'用户名':<17}{'角色':{pad}<6}{'姓名':{pad}<4}职务")
        for username in usernames:
            user = users.get(username)
            if user is None:
                continue
            role = "、".join(data.ROLE_LABELS.get(r, r) for r in user.roles)
            court = user.court.short_name if user.court else ""
            self.stdout.write(f"  {username:<20}{role:{pad}<6}{user.full_name:{pad}<4}{court} {user.title}")
        total = User.objects.filter(username__in=[spec["username"] for spec in data.USERS]).count()
        self.stdout.write(f"  另有各部门联络员、部门负责人等，共{total}个演示账号，密码相同。")
