from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
