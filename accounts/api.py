"""Courts, departments and users, read-only: the caller's court and the courts below it
(narrowed to the token's court tree for an API token)."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination

from .authentication import request_court_ids
from .models import COURT_LEADER_ROLES, SEPARATED_ADMIN_ROLES, Court, Department, Role, User


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
    list=extend_schema(description=_doc(
        "你的角色需要从中挑选的人（可按法院、部门、角色过滤）：整改办为本院及下级法院可任责任人、责任领导的人；"
        "其他业务角色为本部门同事和本院院领导；三员为本院及下级法院的全部账号。三员账号不向业务角色列出。",
        "The people your role needs to pick from (filterable by court, department and role): for the "
        "rectification office, the people of its court tree who can own or lead measures; for other business "
        "roles, their department's colleagues and their court's leaders; for the three administrators, every "
        "account of their court tree. Administrator accounts are never listed to business roles.")),
    retrieve=extend_schema(description=_doc("一个用户；范围外返回 404。", "One user; 404 out of scope.")),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    pagination_class = Pagination
    filterset_class = UserFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return User.objects.none()
        return users_pickable_by(self.request.user, request_court_ids(self.request))


# The people who own or lead measures: everyone but the discipline office and the three administrators.
WORKER_ROLES = [Role.STAFF, Role.DEPARTMENT_HEAD, *COURT_LEADER_ROLES]


def users_pickable_by(user: User, court_ids: list[int]) -> QuerySet[User]:
    """/api/users/: only the people a role needs to pick from, within ``court_ids`` (its court tree).

    三员 run accounts, so they list every account; the rectification office picks owners and
    responsible leaders; any other business role sees its own department and its court's leaders (the
    names on its measures). Administrator accounts are never listed to a business role.
    """
    if not user.is_authenticated:
        return User.objects.none()
    users = User.objects.filter(court_id__in=court_ids)
    if user.has_role(*SEPARATED_ADMIN_ROLES):
        return users
    users = users.filter(is_active=True).exclude(roles__overlap=list(SEPARATED_ADMIN_ROLES))
    if user.has_role(Role.RECTIFICATION_OFFICE):
        return users.filter(roles__overlap=WORKER_ROLES)
    q = Q(pk=user.pk) | Q(court_id=user.court_id, roles__overlap=list(COURT_LEADER_ROLES))
    if user.department_id:
        q |= Q(department_id=user.department_id)
    return users.filter(q)
