"""/api/: every app's router, the dashboard, and the OpenAPI schema with Swagger UI and ReDoc
(served from drf-spectacular-sidecar's local files: court intranets have no CDN)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from measures.api.urls import router as measures_router
from measures.api.views import DashboardView
from notifications import api as notifications_api

app_name = "api"

router = SimpleRouter()
router.register("courts", accounts_api.CourtViewSet, basename="court")
router.register("departments", accounts_api.DepartmentViewSet, basename="department")
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.registry.extend(measures_router.registry)



@extend_schema_view(get=extend_schema(exclude=True))
class SchemaView(SpectacularAPIView):
    """The document itself is not one of the API's operations."""


urlpatterns = [
    path("", include(router.urls)),
    # reports/dashboards.py did not exist when the API was written; these are the measure list's counts.
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
]
