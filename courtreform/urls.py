from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from audit.forms import LoginForm
from audit.lockout import AdminLoginForm

admin.site.site_header = _("Zhenggaitong administration")
admin.site.site_title = _("Zhenggaitong")
admin.site.index_title = _("Administration")
admin.site.login_form = AdminLoginForm

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says (downloads, the API's JSON): the static file.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.ico"), permanent=True)),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("setup/measures/", include("measures.setup_urls")),
    path("setup/", include("issues.urls")),
    path("notifications/", include("notifications.urls")),
    path("bulletins/", include("reports.bulletin_urls")),
    path("ledger/", include("reports.ledger_urls")),
    path("", include("courtreform.health")),  # /healthz, /readyz: no login
    path("api/", include("courtreform.api_urls")),
    path("", include("audit.urls")),  # account/password, account/2fa, audit/ (the log)
    path("dashboard/", include("reports.urls")),
    path("", include("measures.urls")),
]
