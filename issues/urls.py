"""Setting reviews up (整改办); included at "setup/". Measures are set up under measures.setup_urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.setup_index, name="setup_index"),
    path("reviews/new/", views.review_new, name="setup_review_new"),
    path("reviews/<int:pk>/", views.review_setup, name="setup_review"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="setup_review_edit"),
    path("reviews/<int:review_pk>/findings/new/", views.finding_new, name="setup_finding_new"),
    path("reviews/<int:review_pk>/categories/new/", views.category_new, name="setup_category_new"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="setup_finding_edit"),
    path("categories/<int:pk>/edit/", views.category_edit, name="setup_category_edit"),
    path("categories/<int:category_pk>/problems/new/", views.problem_new, name="setup_problem_new"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="setup_problem_edit"),
    path("findings/<int:pk>/move/<str:direction>/", views.move, {"kind": "finding"}, name="setup_finding_move"),
    path("categories/<int:pk>/move/<str:direction>/", views.move, {"kind": "category"}, name="setup_category_move"),
    path("problems/<int:pk>/move/<str:direction>/", views.move, {"kind": "problem"}, name="setup_problem_move"),
]
