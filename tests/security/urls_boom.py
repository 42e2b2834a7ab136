"""The project's URLs plus one view that fails, for the error-page test."""

from django.urls import path

from courtreform.urls import urlpatterns as project


def boom(request):
    return 1 // 0


urlpatterns = [path("boom/", boom), *project]
