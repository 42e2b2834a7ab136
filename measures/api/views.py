"""The measures API: thin views that read through the scope in permissions.py and write only
through measures.workflow (and measures.prompts), exactly as the browser's views do."""

import base64
import binascii

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.models import Department
from issues.api import CategorySerializer, FindingSerializer, ProblemSerializer, ReviewSerializer

from .. import prompts as prompt_service
from .. import workflow
from ..evidence import evidence_file_response, evidence_tampered_message
from ..filters import MeasureFilter
from ..models import CloseOut, Extension, LookBack, ProgressReport
from ..pagination import _decode
from ..selectors import measure_counts
from . import permissions as scope
from . import serializers as s
from .docs import doc
from .etags import expected_version, measure_etag
from .listing import measure_list_page


class EvidenceTampered(APIException):
    status_code = 409
    default_code = "evidence_tampered"


# Uploads are documented as multipart first; JSON goes through the project's parser (its depth limit).
UPLOAD_PARSERS = [MultiPartParser, FormParser,
                  *(p for p in api_settings.DEFAULT_PARSER_CLASSES if p.media_type == "application/json")]

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description=doc("if_match"),
)


# --- plumbing ----------------------------------------------------------------------------------

class IdCursorPagination(CursorPagination):
    """Newest first, stable under inserts, no COUNT(*) on large tables."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MeasureCursorPagination(CursorPagination):
    """Keyset pages on (current_deadline, id), the index the measure list uses, at any depth.

    DRF's own CursorPagination keys on the first ordering field only and walks ties with an
    offset, and cannot place NULL deadlines (长期坚持); listing.measure_list_page seeks on the pair,
    with undated measures last, and returns rows already in MeasureSerializer's shape. The cursor
    is measures.pagination's (the browser list's). Forward only: ``previous`` is always null.
    """

    ordering = ("current_deadline", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        position = None
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded:
            try:
                position = base64.urlsafe_b64decode(encoded.encode("ascii")).decode("ascii")
            except (UnicodeError, ValueError, binascii.Error):
                raise NotFound(self.invalid_cursor_message) from None
            if _decode(position) is None:
                raise NotFound(self.invalid_cursor_message)
        descending = request.query_params.get("ordering") == "-current_deadline"
        rows, self.next_position = measure_list_page(
            queryset, position=_decode(position) if position else None, size=self.page_size, descending=descending,
        )
        return rows

    def get_next_link(self):
        if not self.next_position:
            return None
        token = base64.urlsafe_b64encode(self.next_position.encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_previous_link(self):
        return None

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) + [
            {
                "name": "ordering", "required": False, "in": "query",
                "description": doc("ordering"),
                "schema": {"type": "string", "enum": ["current_deadline", "-current_deadline"]},
            }
        ]


class ScopedFilterBackend(filters.DjangoFilterBackend):
    """Lets a view hand its filterset extra arguments (MeasureFilter takes the reviews in scope)."""

    def filter_queryset(self, request, queryset, view):
        # No parameter names a filter: the filterset would return the queryset as it is, so skip
        # building it (its form deep-copies ~20 fields and their choice querysets per request).
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(name in request.query_params
                                                   for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        extra = getattr(view, "filterset_extra_kwargs", None)
        if extra is not None:
            kwargs.update(extra())
        return kwargs


class AnyMediaRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with its own Accept type; error bodies still come out as JSON."""

    media_type = "*/*"
    format = "any"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data, "application/json", renderer_context)


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    pagination_class = IdCursorPagination
    filter_backends = [ScopedFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return self.serializer_class.Meta.model.objects.none()
        return self.scoped()

    def scoped(self):
        raise NotImplementedError


def _measure_filter(field_name="measure_id"):
    return filters.NumberFilter(field_name=field_name, label="measure")


# --- reviews, categories, problems, findings -------------------------------------------------

class ReviewFilter(filters.FilterSet):
    court = filters.NumberFilter(field_name="court_id")
    source = filters.CharFilter()
    status = filters.CharFilter()


@extend_schema_view(list=extend_schema(description=doc("review_list")),
                    retrieve=extend_schema(description=doc("review_detail")))
class ReviewViewSet(ReadOnly):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter

    def scoped(self):
        return scope.reviews_in_scope(self.request).select_related("court")


class CategoryFilter(filters.FilterSet):
    review = filters.NumberFilter(field_name="review_id")


@extend_schema_view(list=extend_schema(description=doc("category_list")),
                    retrieve=extend_schema(description=doc("category_detail")))
class CategoryViewSet(ReadOnly):
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter

    def scoped(self):
        return scope.categories_in_scope(self.request)


class ProblemFilter(filters.FilterSet):
    review = filters.NumberFilter(field_name="review_id")
    category = filters.NumberFilter(field_name="category_id")
    lead_department = filters.NumberFilter(field_name="lead_department_id")


@extend_schema_view(list=extend_schema(description=doc("problem_list")),
                    retrieve=extend_schema(description=doc("problem_detail")))
class ProblemViewSet(ReadOnly):
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter

    def scoped(self):
        return (
            scope.problems_in_scope(self.request)
            .select_related("responsible_leader", "lead_department")
            .prefetch_related("supporting_departments")
        )


class FindingFilter(filters.FilterSet):
    review = filters.NumberFilter(field_name="review_id")


@extend_schema_view(list=extend_schema(description=doc("finding_list")),
                    retrieve=extend_schema(description=doc("finding_detail")))
class FindingViewSet(ReadOnly):
    serializer_class = FindingSerializer
    filterset_class = FindingFilter

    def scoped(self):
        return scope.findings_in_scope(self.request).prefetch_related("problems")


# --- measures ----------------------------------------------------------------------------------

def measures_for_api(request):
    """Scope, what each row shows, and the latest progress as a subquery: a constant number of queries."""
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        scope.measures_in_scope(request)
        .select_related("responsible_leader", "lead_department", "owner")
        .prefetch_related("supporting_departments")
        .annotate(
            latest_progress_note=Subquery(latest.values("note")[:1]),
            latest_progress_percent=Subquery(latest.values("percent")[:1]),
            latest_progress_at=Subquery(latest.values("created_at")[:1]),
        )
    )


def _measure_action(name, request_serializer=None, *, parsers=None, status_code=200, created=None):
    """The schema of a workflow action on one measure: If-Match in, the measure (with its ETag) out."""
    return extend_schema(
        description=doc(name), request=request_serializer, parameters=[IF_MATCH],
        responses={status_code: s.MeasureSerializer},
    )


@extend_schema_view(
    list=extend_schema(description=doc("measure_list")),
    retrieve=extend_schema(description=doc("measure_detail")),
    partial_update=extend_schema(
        description=doc("measure_patch"), request=s.MeasureUpdateSerializer, parameters=[IF_MATCH],
        responses={200: s.MeasureSerializer},
    ),
)
class MeasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MeasureSerializer
    filterset_class = MeasureFilter
    filter_backends = [ScopedFilterBackend]
    pagination_class = MeasureCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return measures_for_api(self.request)

    def filterset_extra_kwargs(self):
        return {"reviews": scope.reviews_in_scope(self.request)}

    def list(self, request, *args, **kwargs):
        # Rows come as MeasureSerializer would give them, without building a model per row (listing.py).
        measures = scope.measures_in_scope(request, mine=scope.mine_requested(request))
        rows = self.paginate_queryset(self.filter_queryset(measures))
        return self.get_paginated_response(rows)

    def _measure_response(self, pk, *, status_code=200, headers=None):
        measure = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.MeasureSerializer(measure, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": measure_etag(measure), **(headers or {})})

    def retrieve(self, request, *args, **kwargs):
        return self._measure_response(self.get_object().pk)

    def partial_update(self, request, *args, **kwargs):
        measure = self.get_object()
        version = expected_version(request, measure)
        payload = s.MeasureUpdateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        supporting = changes.pop("supporting_departments", None)
        workflow.measure_update(
            measure=measure, actor=request.user, changes=changes, expected_version=version,
            supporting_departments=supporting,
        )
        return self._measure_response(measure.pk)

    def _run(self, request, input_class, call, *, created_url=None):
        measure = self.get_object()
        version = expected_version(request, measure)
        data = {}
        if input_class is not None:
            payload = input_class(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        result = call(measure, data, version)
        if created_url is not None:
            return self._measure_response(measure.pk, status_code=201,
                                          headers={"Location": reverse(created_url, args=[result.pk])})
        return self._measure_response(measure.pk)

    @_measure_action("measure_start")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._run(request, None, lambda m, d, v: workflow.measure_start(
            measure=m, actor=request.user, expected_version=v))

    @_measure_action("measure_report_progress", s.ProgressInput, status_code=201)
    @action(detail=True, methods=["post"], url_path="report-progress",
            parser_classes=UPLOAD_PARSERS)
    def report_progress(self, request, pk=None):
        return self._run(request, s.ProgressInput, lambda m, d, v: workflow.measure_report_progress(
            measure=m, actor=request.user, note=d["note"], percent=d["percent"], files=d["files"],
            expected_version=v), created_url="api:progressreport-detail")

    @_measure_action("measure_submit_closeout", s.CloseOutInput, status_code=201)
    @action(detail=True, methods=["post"], url_path="submit-closeout",
            parser_classes=UPLOAD_PARSERS)
    def submit_closeout(self, request, pk=None):
        return self._run(request, s.CloseOutInput, lambda m, d, v: workflow.measure_submit_closeout(
            measure=m, actor=request.user, result=d["result"], files=d["files"],
            rules_adopted=d.get("rules_adopted"), expected_version=v), created_url="api:closeout-detail")

    @_measure_action("measure_approve", s.ApproveInput)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._run(request, s.ApproveInput, lambda m, d, v: workflow.measure_approve_closeout(
            measure=m, actor=request.user, note=d["note"], expected_version=v))

    @_measure_action("measure_return", s.ReturnInput)
    @action(detail=True, methods=["post"], url_path="return")
    def return_closeout(self, request, pk=None):
        return self._run(request, s.ReturnInput, lambda m, d, v: workflow.measure_return_closeout(
            measure=m, actor=request.user, reason=d["reason"], expected_version=v))

    @_measure_action("measure_extend", s.ExtendInput, status_code=201)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._run(request, s.ExtendInput, lambda m, d, v: workflow.measure_request_extension(
            measure=m, actor=request.user, new_deadline=d["new_deadline"], reason=d["reason"],
            expected_version=v), created_url="api:extension-detail")


# --- what hangs off a measure --------------------------------------------------------------------

class ProgressReportFilter(filters.FilterSet):
    measure = _measure_filter()


@extend_schema_view(list=extend_schema(description=doc("progress_list")),
                    retrieve=extend_schema(description=doc("progress_detail")))
class ProgressReportViewSet(ReadOnly):
    serializer_class = s.ProgressReportSerializer
    filterset_class = ProgressReportFilter

    def scoped(self):
        return scope.progress_reports_in_scope(self.request).select_related("author").prefetch_related("evidence")


class EvidenceFilter(filters.FilterSet):
    measure = _measure_filter()
    progress_report = filters.NumberFilter(field_name="progress_report_id")
    closeout = filters.NumberFilter(field_name="closeout_id")


@extend_schema_view(list=extend_schema(description=doc("evidence_list")),
                    retrieve=extend_schema(description=doc("evidence_detail")))
class EvidenceViewSet(ReadOnly):
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter

    def scoped(self):
        return scope.evidence_in_scope(self.request)

    @extend_schema(description=doc("evidence_download"),
                   responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer],
            filter_backends=[], pagination_class=None)
    def download(self, request, pk=None):
        response = evidence_file_response(evidence=self.get_object(), request=request,
                                          content_type="application/octet-stream")
        if response is None:
            raise EvidenceTampered(evidence_tampered_message())
        return response


class CloseOutFilter(filters.FilterSet):
    measure = _measure_filter()
    stage = filters.ChoiceFilter(choices=CloseOut.Stage.choices)


@extend_schema_view(list=extend_schema(description=doc("closeout_list")),
                    retrieve=extend_schema(description=doc("closeout_detail")))
class CloseOutViewSet(ReadOnly):
    serializer_class = s.CloseOutSerializer
    filterset_class = CloseOutFilter

    def scoped(self):
        return scope.closeouts_in_scope(self.request).prefetch_related("evidence")


class ExtensionFilter(filters.FilterSet):
    measure = _measure_filter()
    decision = filters.ChoiceFilter(choices=Extension.Decision.choices)


@extend_schema_view(list=extend_schema(description=doc("extension_list")),
                    retrieve=extend_schema(description=doc("extension_detail")))
class ExtensionViewSet(ReadOnly):
    serializer_class = s.ExtensionSerializer
    filterset_class = ExtensionFilter

    def scoped(self):
        return scope.extensions_in_scope(self.request).select_related("measure")

    @extend_schema(description=doc("extension_decide"), request=s.ExtensionDecisionInput,
                   responses={200: s.ExtensionSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, pk=None):
        extension = self.get_object()
        payload = s.ExtensionDecisionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = workflow.measure_decide_extension(
            extension=extension, actor=request.user, approve=payload.validated_data["decision"] == "approve",
            note=payload.validated_data["note"],
        )
        return Response(s.ExtensionSerializer(decided).data)


class LookBackFilter(filters.FilterSet):
    measure = _measure_filter()
    outcome = filters.ChoiceFilter(choices=LookBack.Outcome.choices)


@extend_schema_view(list=extend_schema(description=doc("lookback_list")),
                    retrieve=extend_schema(description=doc("lookback_detail")))
class LookBackViewSet(ReadOnly):
    serializer_class = s.LookBackSerializer
    filterset_class = LookBackFilter

    def scoped(self):
        return scope.lookbacks_in_scope(self.request).select_related("measure")

    @extend_schema(description=doc("lookback_record"), request=s.LookBackInput, responses={200: s.LookBackSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def record(self, request, pk=None):
        lookback = self.get_object()
        payload = s.LookBackInput(data=request.data)
        payload.is_valid(raise_exception=True)
        recorded = workflow.measure_record_lookback(
            lookback=lookback, actor=request.user, outcome=payload.validated_data["outcome"],
            note=payload.validated_data["note"], new_deadline=payload.validated_data["new_deadline"],
        )
        return Response(s.LookBackSerializer(recorded).data)


class PromptFilter(filters.FilterSet):
    review = filters.NumberFilter(field_name="review_id")


@extend_schema_view(list=extend_schema(description=doc("prompt_list")),
                    retrieve=extend_schema(description=doc("prompt_detail")),
                    create=extend_schema(description=doc("prompt_issue"), request=s.PromptIssueInput,
                                         responses={201: s.PromptSerializer}))
class PromptViewSet(mixins.CreateModelMixin, ReadOnly):
    serializer_class = s.PromptSerializer
    filterset_class = PromptFilter

    def scoped(self):
        return scope.prompts_in_scope(self.request).distinct()

    def create(self, request, *args, **kwargs):
        payload = s.PromptIssueInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        review = get_object_or_404(scope.reviews_in_scope(request), pk=data["review"])
        departments = Department.objects.filter(court_id=review.court_id, pk__in=data["departments"])
        prompt = prompt_service.prompt_issue(
            review=review, actor=request.user, title=data["title"], body=data["body"], departments=departments,
        )
        prompt = self.get_queryset().get(pk=prompt.pk)
        return Response(s.PromptSerializer(prompt).data, status=status.HTTP_201_CREATED)

    @extend_schema(description=doc("prompt_confirm"), request=None, responses={200: s.PromptSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        prompt = self.get_object()
        prompt_service.prompt_confirm_read(prompt=prompt, actor=request.user)
        return Response(s.PromptSerializer(self.get_queryset().get(pk=prompt.pk)).data)


class DashboardView(APIView):
    """The counts above the measure list, over the same scope and the same filters."""

    filter_backends = [ScopedFilterBackend]
    filterset_class = MeasureFilter

    def filterset_extra_kwargs(self):
        return {"reviews": scope.reviews_in_scope(self.request)}

    def get_queryset(self):
        return scope.measures_in_scope(self.request, mine=scope.mine_requested(self.request))

    @extend_schema(description=doc("dashboard"), responses={200: s.CountsSerializer})
    def get(self, request):
        queryset = ScopedFilterBackend().filter_queryset(request, self.get_queryset(), self)
        return Response(s.CountsSerializer(measure_counts(queryset)).data)

