"""The caller's own notifications (the bell), read and marked read."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from . import services
from .models import Notification


def _doc(zh: str, en: str) -> str:
    return f"{zh}\n\n{en}"


class Pagination(CursorPagination):
    ordering = "-id"
    page_size = 50


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "items", "created_at", "read_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description=_doc("我的通知（最新在前）。", "Your notifications, newest first.")),
    retrieve=extend_schema(description=_doc("一条通知；别人的通知返回 404。",
                                            "One notification; someone else's is 404.")),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    pagination_class = Pagination
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(description=_doc("标记为已读（重复标记不改变首次阅读时间）。",
                                    "Mark as read (marking again keeps the first time)."),
                   request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(self.get_queryset().get(pk=notification.pk)).data)
