from django.urls import path

from . import bulletin_views as views

urlpatterns = [
    path("review/<int:review_pk>/", views.bulletin_list, name="bulletin_list"),
    path("<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("<int:pk>/advance/", views.bulletin_advance, name="bulletin_advance"),
    path("<int:pk>/download.<str:fmt>", views.bulletin_download, name="bulletin_download"),
]
