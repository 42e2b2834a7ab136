from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/<int:pk>/", views.review_dashboard, name="review_dashboard"),
]
