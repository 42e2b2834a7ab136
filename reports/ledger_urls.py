from django.urls import path

from . import ledger_views as views

urlpatterns = [
    path("export/", views.ledger_export, name="ledger_export"),
    path("exports/", views.ledger_export_list, name="ledger_export_list"),
    path("exports/<int:pk>/", views.ledger_export_status, name="ledger_export_status"),
    path("exports/<int:pk>/status.json", views.ledger_export_status_json, name="ledger_export_status_json"),
    path("exports/<int:pk>/download/", views.ledger_export_download, name="ledger_export_download"),
    path("import/<int:review_pk>/", views.ledger_import_upload, name="ledger_import_upload"),
    path("import/<int:review_pk>/<str:token>/", views.ledger_import_preview, name="ledger_import_preview"),
    path("import/<int:review_pk>/<str:token>/cancel/", views.ledger_import_cancel, name="ledger_import_cancel"),
    path("import/<int:review_pk>/<str:token>/status.json", views.ledger_import_status_json,
         name="ledger_import_status_json"),
]
