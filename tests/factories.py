"""factory_boy factories, one per model, and real evidence uploads.

Measures are built in their initial state (未启动). Behaviour tests move them on through
``measures/workflow.py`` (see the ``drive`` fixture in ``tests/conftest.py``); the only way a
factory writes ``Measure.status`` itself is the ``read_only_*`` traits below, which exist for
tests that only *read* (lists, roll-ups, traffic lights, query counts).
"""

import datetime
import hashlib
import struct
import zlib
from zoneinfo import ZoneInfo

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Court, Department, Role, User
from issues.models import Category, Finding, Problem, Review
from measures.models import CloseOut, Evidence, Extension, LookBack, Measure, ProgressReport

DEFAULT_PASSWORD = "整改通-test-pass-2026"
FEEDBACK_DATE = datetime.date(2026, 1, 15)
DEADLINE = datetime.date(2026, 6, 30)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> datetime.datetime:
    """An aware datetime on the court's clock (Asia/Shanghai)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# --- evidence bytes ------------------------------------------------------------------------------
# Small but genuine files: ``filetype`` must recognise them by content, as it does real uploads.

PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    + _png_chunk(b"IEND", b"")
)

# A Windows executable's header ("MZ"): what a disguised upload really is.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112


def pdf_upload(name: str = "整改报告.pdf", *, padding: int = 0) -> SimpleUploadedFile:
    """A valid PDF; ``padding`` appends a comment to make it larger without breaking it."""
    content = PDF_BYTES + (b"%" + b"x" * (padding - 2) + b"\n" if padding > 1 else b"")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def disguised_exe_upload(name: str = "制度汇编.pdf") -> SimpleUploadedFile:
    """An executable renamed to .pdf, with the browser claiming it is a PDF."""
    return SimpleUploadedFile(name, EXE_BYTES, content_type="application/pdf")


# --- organisation --------------------------------------------------------------------------------

class CourtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Court
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试区人民法院{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:4])
    level = Court.Level.BASIC
    parent = None

    class Params:
        intermediate = factory.Trait(
            name=factory.Sequence(lambda n: f"测试市中级人民法院{n}"), level=Court.Level.INTERMEDIATE
        )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    court = factory.SubFactory(CourtFactory)
    name = factory.Sequence(lambda n: f"第{n}审判庭")
    order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    """A court user. Pass ``roles=[...]`` or use a trait; ``supervised_departments=[...]`` for leaders."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password(DEFAULT_PASSWORD)
    department = None
    court = factory.Maybe(
        "department",
        yes_declaration=factory.SelfAttribute("department.court"),
        no_declaration=factory.SubFactory(CourtFactory),
    )
    roles = factory.LazyFunction(lambda: [Role.STAFF])

    class Params:
        staff = factory.Trait(roles=[Role.STAFF], title="联络员")
        department_head = factory.Trait(roles=[Role.DEPARTMENT_HEAD], title="庭长")
        leader = factory.Trait(roles=[Role.LEADER], title="副院长")
        rectification_office = factory.Trait(roles=[Role.RECTIFICATION_OFFICE], title="政治部主任")
        discipline_office = factory.Trait(roles=[Role.DISCIPLINE_OFFICE], title="纪检组长")

    @factory.post_generation
    def supervised_departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.supervised_departments.set(extracted)


# --- reviews and problems ------------------------------------------------------------------------

class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    court = factory.SubFactory(CourtFactory)
    title = factory.Sequence(lambda n: f"市委第二巡察组巡察反馈意见整改（第{n}轮）")
    source = Review.Source.PARTY_INSPECTION
    issuing_body = "市委第二巡察组"
    period_start = datetime.date(2025, 11, 1)
    period_end = datetime.date(2025, 12, 1)
    feedback_date = FEEDBACK_DATE
    deadline = DEADLINE


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    review = factory.SubFactory(ReviewFactory)
    name = factory.Sequence(lambda n: f"问题类别{n}")
    order = factory.Sequence(lambda n: n)


class ProblemFactory(factory.django.DjangoModelFactory):
    """``review`` is copied from the category by ``Problem.save``."""

    class Meta:
        model = Problem
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    description = factory.Sequence(lambda n: f"落实全面从严治党主体责任不到位的问题{n}")
    root_cause = "思想认识不到位，压力传导不够。"
    order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def supporting_departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.supporting_departments.set(extracted)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding
        skip_postgeneration_save = True

    review = factory.SubFactory(ReviewFactory)
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"反馈意见第{n}条：审判执行工作作风不够扎实。")
    aspect = "司法作风"

    @factory.post_generation
    def problems(self, create, extracted, **kwargs):
        if create and extracted:
            self.problems.set(extracted)


# --- measures ------------------------------------------------------------------------------------

class MeasureFactory(factory.django.DjangoModelFactory):
    """A measure as the rectification office sets it up: 未启动, deadline after the feedback date.

    ``read_only_in_progress`` / ``read_only_closeout_requested`` / ``read_only_closed`` /
    ``read_only_continuing`` write the status column directly. Use them ONLY to build data for tests that read (lists, roll-ups, traffic
    lights, query counts); a test of a transition must drive ``measures/workflow.py`` instead.
    """

    class Meta:
        model = Measure
        skip_postgeneration_save = True

    problem = factory.SubFactory(ProblemFactory)
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"建立健全审判监督管理制度，开展专项检查第{n}项")
    type = Measure.Type.DEADLINE
    target = "制度健全，问题清零"
    lead_department = factory.SubFactory(DepartmentFactory, court=factory.SelfAttribute("..problem.review.court"))
    original_deadline = DEADLINE
    # current_deadline follows original_deadline in Measure.save

    class Params:
        ongoing = factory.Trait(type=Measure.Type.ONGOING, original_deadline=None)
        immediate = factory.Trait(type=Measure.Type.IMMEDIATE)
        # Read-only fixtures only — see the class docstring.
        read_only_in_progress = factory.Trait(status=Measure.Status.IN_PROGRESS, progress_percent=50)
        read_only_closeout_requested = factory.Trait(
            status=Measure.Status.CLOSEOUT_REQUESTED, progress_percent=90, result="已完成整改"
        )
        read_only_continuing = factory.Trait(
            type=Measure.Type.ONGOING, original_deadline=None, status=Measure.Status.ONGOING, progress_percent=60
        )
        read_only_closed = factory.Trait(
            status=Measure.Status.CLOSED, progress_percent=100, result="已完成整改",
            completed_on=datetime.date(2026, 5, 20),
        )

    @factory.post_generation
    def supporting_departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.supporting_departments.set(extracted)


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A stored report row; to *report* progress call ``measure_report_progress``."""

    class Meta:
        model = ProgressReport

    measure = factory.SubFactory(MeasureFactory, read_only_in_progress=True)
    author = factory.SubFactory(UserFactory, department=factory.SelfAttribute("..measure.lead_department"))
    note = factory.Sequence(lambda n: f"已召开专题会议研究部署，完成第{n}阶段工作。")
    percent = 50


class CloseOutFactory(factory.django.DjangoModelFactory):
    """A stored close-out row; to *apply* for close-out call ``measure_submit_closeout``."""

    class Meta:
        model = CloseOut

    measure = factory.SubFactory(MeasureFactory, read_only_closeout_requested=True)
    requested_by = factory.SubFactory(UserFactory, department=factory.SelfAttribute("..measure.lead_department"))
    result = "已制定《审判监督管理办法》，问题已整改到位。"
    stage = CloseOut.Stage.PENDING_LEADER


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A stored PDF (under the test MEDIA_ROOT); to *upload* evidence go through the workflow."""

    class Meta:
        model = Evidence

    measure = factory.SubFactory(MeasureFactory, read_only_in_progress=True)
    progress_report = None
    closeout = None
    file = factory.django.FileField(filename="evidence.pdf", data=PDF_BYTES)
    original_name = "佐证材料.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    uploaded_by = factory.SubFactory(UserFactory, department=factory.SelfAttribute("..measure.lead_department"))


class ExtensionFactory(factory.django.DjangoModelFactory):
    """A stored, pending extension request; deciding it goes through ``measure_decide_extension``."""

    class Meta:
        model = Extension

    measure = factory.SubFactory(MeasureFactory, read_only_in_progress=True)
    requested_by = factory.SubFactory(UserFactory, department=factory.SelfAttribute("..measure.lead_department"))
    reason = "涉及多部门协调，需延期完成。"
    previous_deadline = factory.SelfAttribute("measure.current_deadline")
    requested_deadline = factory.LazyAttribute(
        lambda o: (o.previous_deadline or DEADLINE) + datetime.timedelta(days=30)
    )


class LookBackFactory(factory.django.DjangoModelFactory):
    """A scheduled 回头看; recording its outcome goes through ``measure_record_lookback``."""

    class Meta:
        model = LookBack

    measure = factory.SubFactory(MeasureFactory, read_only_closed=True)
    due_on = factory.LazyAttribute(lambda o: (o.measure.completed_on or DEADLINE) + datetime.timedelta(days=90))


def system_account(like: User, *, username: str | None = None) -> User:
    """An account for another system (法综, 办公系统): the roles, court and department of ``like``, and no password,
    so nobody logs in with it; API tokens act only as such accounts."""
    account = User.objects.create(
        username=username or f"system_{like.username}", full_name=f"{like.display_name}（系统账号）",
        court=like.court, department=like.department, roles=list(like.roles),
    )
    account.set_unusable_password()
    account.save(update_fields=["password"])
    return account
