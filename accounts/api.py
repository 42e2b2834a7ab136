"""Courts, departments and users, read-only: the caller's court and the courts below it
(narrowed to the token's court tree for an API token)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination

from .authentication import request_court_ids
from .models import Court, Department, User


def _doc(zh: str, en: str) -> str:
    return f"{zh}\n\n{en}"


class Pagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class CourtSerializer(serializers.ModelSerializer):
    class Meta:
        model = Court
        fields = ["id", "name", "short_name", "level", "parent"]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "court", "name", "order"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "title", "court", "department", "roles", "is_active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description=_doc("本院及下级法院。", "Your court and the courts below it.")),
    retrieve=extend_schema(description=_doc("一个法院；范围外返回 404。", "One court; 404 out of scope.")),
)
class CourtViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CourtSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return Court.objects.filter(pk__in=request_court_ids(self.request))


class DepartmentFilter(filters.FilterSet):
    court = filters.NumberFilter(field_name="court_id")


@extend_schema_view(
    list=extend_schema(description=_doc("本院及下级法院的部门，可按法院过滤。",
                                        "Departments of your court tree, filterable by court.")),
    retrieve=extend_schema(description=_doc("一个部门；范围外返回 404。", "One department; 404 out of scope.")),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    pagination_class = Pagination
    filterset_class = DepartmentFilter

    def get_queryset(self):
        return Department.objects.filter(court_id__in=request_court_ids(self.request))


class UserFilter(filters.FilterSet):
    court = filters.NumberFilter(field_name="court_id")
    department = filters.NumberFilter(field_name="department_id")
    role = filters.CharFilter(field_name="roles", lookup_expr="contains", method="filter_role")

    def filter_role(self, queryset, name, value):
        return queryset.filter(roles__contains=[value])


@extend_schema_view(
    list=extend_schema(description=_doc("本院及下级法院的用户及其角色，可按法院、部门、角色过滤。",
                                        "Users of your court tree with their roles, filterable by court, "
                                        "department and role.")),
    retrieve=extend_schema(description=_doc("一个用户；范围外返回 404。", "One user; 404 out of scope.")),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    pagination_class = Pagination
    filterset_class = UserFilter

    def get_queryset(self):
        return User.objects.filter(court_id__in=request_court_ids(self.request))
