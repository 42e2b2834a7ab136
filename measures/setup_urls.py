"""The rectification office sets measures up; include at "setup/measures/" in courtreform/urls.py."""

from django.urls import path

from . import setup_views

urlpatterns = [
    path("new/<int:problem_pk>/", setup_views.measure_new, name="setup_measure_new"),
    path("<int:pk>/edit/", setup_views.measure_edit, name="setup_measure_edit"),
    path("<int:pk>/move/<str:direction>/", setup_views.measure_reorder, name="setup_measure_move"),
]
