"""The application's URLs plus the throughput floor of bench/api_list.py: a bare DRF serializer view
returning the same 50 rows as that script's raw-SQL floor (first page of the measures of a court tree by
deadline, with leader, lead department and latest progress). It passes through the same middleware in
the same gunicorn, but has no authentication, scope, filtering, cursor or row building of ours."""

from django.db.models import OuterRef, Subquery
from django.urls import path
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Court
from courtreform.urls import urlpatterns as application
from measures.models import Measure, ProgressReport


class FloorMeasureSerializer(serializers.ModelSerializer):
    responsible_leader_name = serializers.CharField(source="responsible_leader.display_name", default=None)
    lead_department_name = serializers.CharField(source="lead_department.name", default=None)
    latest_progress_note = serializers.CharField(default=None)

    class Meta:
        model = Measure
        fields = ["id", "text", "current_deadline", "status", "progress_percent", "lead_department_name",
                  "responsible_leader_name", "latest_progress_note"]


class FloorMeasureList(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def get(self, request, court_id):
        latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id")
        measures = (
            Measure.objects.filter(review__court_id__in=Court(pk=court_id).descendant_ids())
            .select_related("responsible_leader", "lead_department")
            .annotate(latest_progress_note=Subquery(latest.values("note")[:1]))
            .order_by("current_deadline", "id")[:50]
        )
        return Response(FloorMeasureSerializer(measures, many=True).data)


urlpatterns = [path("bench/floor/measures/<int:court_id>/", FloorMeasureList.as_view()), *application]
