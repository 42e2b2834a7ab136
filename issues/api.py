"""Serializers for reviews, problem categories, problems and findings (read-only in the API).

The endpoints that use them live in measures/api/, because who may see a problem depends on the
measures they may see, and issues does not import measures.
"""

from rest_framework import serializers

from .models import Category, Finding, Problem, Review


class ReviewSerializer(serializers.ModelSerializer):
    court_name = serializers.CharField(source="court.name", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id", "court", "court_name", "title", "source", "issuing_body", "period_start", "period_end",
            "feedback_date", "deadline", "status", "reminder_days", "escalation_days", "lookback_months",
            "bulletin_frequency", "created_at",
        ]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "review", "name", "order"]
        read_only_fields = fields


class ProblemSerializer(serializers.ModelSerializer):
    responsible_leader_name = serializers.CharField(
        source="responsible_leader.display_name", read_only=True, allow_null=True, default=None
    )
    lead_department_name = serializers.CharField(
        source="lead_department.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Problem
        fields = [
            "id", "review", "category", "order", "description", "root_cause", "responsible_leader",
            "responsible_leader_name", "lead_department", "lead_department_name", "supporting_departments",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "review", "order", "text", "aspect", "benchmark_practice", "gap", "problems"]
        read_only_fields = fields
