"""What the measures API reads and accepts. Writes are only ever parsed here; the workflow applies them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.authentication import request_court_ids
from accounts.models import SEPARATED_ADMIN_ROLES, Department, User

from ..models import (
    CloseOut,
    Evidence,
    Extension,
    LookBack,
    Measure,
    ProgressReport,
    WorkPrompt,
    WorkPromptReceipt,
)


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer):
    """A measure as lists and pages show it: leader, departments, traffic light, latest progress."""

    responsible_leader_name = serializers.CharField(
        source="responsible_leader.display_name", read_only=True, allow_null=True, default=None
    )
    lead_department_name = serializers.CharField(
        source="lead_department.name", read_only=True, allow_null=True, default=None
    )
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True, default=None)
    supporting_departments = DepartmentRefSerializer(many=True, read_only=True)
    traffic_light = serializers.ChoiceField(
        choices=["green", "yellow", "red", "grey"], read_only=True,
        help_text="green on track, yellow due soon, red overdue, grey closed / 绿灯正常、黄灯临期、红灯超期、灰色已销号",
    )
    is_overdue = serializers.BooleanField(read_only=True)
    is_extended = serializers.BooleanField(read_only=True)
    latest_progress_note = serializers.CharField(read_only=True, allow_null=True, default=None)
    latest_progress_percent = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    latest_progress_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    etag = serializers.SerializerMethodField(help_text="Send it back in If-Match / 修改时放入 If-Match 请求头")

    class Meta:
        model = Measure
        fields = [
            "id", "review", "problem", "order", "text", "type", "target",
            "responsible_leader", "responsible_leader_name", "lead_department", "lead_department_name",
            "supporting_departments", "owner", "owner_name", "report_frequency",
            "original_deadline", "current_deadline", "is_extended", "progress_percent", "status", "traffic_light",
            "is_overdue", "overdue_since", "completed_on", "result", "rules_adopted", "relapse_count", "version",
            "etag", "latest_progress_note", "latest_progress_percent", "latest_progress_at",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_etag(self, measure) -> str:
        from .etags import measure_etag

        return measure_etag(measure)


class MeasureUpdateSerializer(serializers.Serializer):
    """PATCH body: planning fields only. Anything else — status above all — is refused by name."""

    text = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=Measure.Type.choices, required=False)
    target = serializers.CharField(required=False, allow_blank=True)
    responsible_leader = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False,
                                                            allow_null=True)
    lead_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), required=False,
                                                         allow_null=True)
    supporting_departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), many=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    report_frequency = serializers.ChoiceField(choices=Measure.Frequency.choices, required=False)
    original_deadline = serializers.DateField(required=False, allow_null=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=2_147_483_647)
    rules_adopted = serializers.IntegerField(required=False, min_value=0, max_value=32_767)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            courts = request_court_ids(request)
            # Anyone of the court tree but the 三员 resolves here; whether he may own or lead this
            # measure is the workflow's rule, refused there with the reason.
            users = User.objects.filter(court_id__in=courts, is_active=True).exclude(
                roles__overlap=list(SEPARATED_ADMIN_ROLES))
            departments = Department.objects.filter(court_id__in=courts)
            self.fields["responsible_leader"].queryset = users
            self.fields["owner"].queryset = users
            self.fields["lead_department"].queryset = departments
            self.fields["supporting_departments"].child_relation.queryset = departments

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            for name in sorted(data.keys()):
                if name not in self.fields:
                    message = (
                        _("This field is read-only.") if name in MeasureSerializer.Meta.fields
                        else _("Unknown field.")
                    )
                    raise serializers.ValidationError({name: [message]}, code="read_only")
        return super().to_internal_value(data)


class EvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "measure", "progress_report", "closeout", "original_name", "content_type", "size", "sha256",
            "uploaded_by", "uploaded_at", "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, evidence) -> str:
        return reverse("api:evidence-download", args=[evidence.pk])


class ProgressReportSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "measure", "author", "author_name", "note", "percent", "created_at", "evidence"]
        read_only_fields = fields


class CloseOutSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = CloseOut
        fields = [
            "id", "measure", "requested_by", "requested_at", "result", "stage", "leader_decided_by",
            "leader_decided_at", "office_decided_by", "office_decided_at", "return_reason", "evidence",
        ]
        read_only_fields = fields


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extension
        fields = [
            "id", "measure", "requested_by", "requested_at", "reason", "previous_deadline", "requested_deadline",
            "decision", "decided_by", "decided_at", "decision_note",
        ]
        read_only_fields = fields


class LookBackSerializer(serializers.ModelSerializer):
    class Meta:
        model = LookBack
        fields = ["id", "measure", "due_on", "outcome", "note", "checked_by", "checked_at"]
        read_only_fields = fields


class PromptReceiptSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WorkPromptReceipt
        fields = ["department", "department_name", "read_by", "read_at"]
        read_only_fields = fields


class PromptSerializer(serializers.ModelSerializer):
    receipts = PromptReceiptSerializer(many=True, read_only=True)

    class Meta:
        model = WorkPrompt
        fields = ["id", "review", "number", "title", "body", "issued_by", "issued_at", "receipts"]
        read_only_fields = fields


# --- inputs of workflow actions ----------------------------------------------------------------
# Only shapes and types are checked here; the rules (a reason is required, the deadline must move
# later, …) are the workflow's, so the API refuses exactly what the browser refuses.

class ProgressInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, trim_whitespace=False)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CloseOutInput(serializers.Serializer):
    result = serializers.CharField(allow_blank=True, trim_whitespace=False)
    rules_adopted = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32_767)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ApproveInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ExtendInput(serializers.Serializer):
    new_deadline = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ExtensionDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LookBackInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[LookBack.Outcome.HELD, LookBack.Outcome.RELAPSED])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    new_deadline = serializers.DateField(required=False, allow_null=True, default=None)


class PromptIssueInput(serializers.Serializer):
    review = serializers.IntegerField(min_value=1)
    title = serializers.CharField(allow_blank=True, max_length=200)
    body = serializers.CharField(allow_blank=True)
    departments = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    closeout_requested = serializers.IntegerField()
    closed = serializers.IntegerField()
