from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_measures, name="my_measures"),
    path("my/bulk/", views.bulk_action, name="bulk_action"),
    path("approvals/", views.approvals, name="approvals"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/progress/", views.measure_progress, name="measure_progress"),
    path("measures/<int:pk>/closeout/", views.measure_closeout, name="measure_closeout"),
    path("measures/<int:pk>/extension/", views.measure_extension, name="measure_extension"),
    path("measures/<int:pk>/decide/", views.measure_decide, name="measure_decide"),
    path("measures/<int:pk>/instruct/", views.measure_instruct, name="measure_instruct"),
    path("measures/<int:pk>/supervise/", views.measure_supervise, name="measure_supervise"),
    path("measures/<int:pk>/chase/", views.measure_chase, name="measure_chase"),
    path("measures/<int:pk>/lookback/", views.measure_lookback, name="measure_lookback"),
    path("lookbacks/", views.lookback_list, name="lookback_list"),
    path("measures/<int:pk>/rules/new/", views.rule_new, name="rule_new"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/file/", views.rule_file, name="rule_file"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("prompts/", views.prompt_list, name="prompt_list"),
    path("prompts/<int:pk>/read/", views.prompt_confirm, name="prompt_confirm"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
