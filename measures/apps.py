from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Rectification measures")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (check --deploy: no demo accounts in production)
            signals,
        )

        signals.connect()
