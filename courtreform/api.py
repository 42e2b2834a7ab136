"""API wiring shared by every app: one error shape and the schema that documents it.

Every error is ``{"code": …, "message": …, "field": …}``; the message is in the request's language
(LocaleMiddleware: Accept-Language, zh-hans by default). Workflow refusals keep the field the
workflow named, so a client can put the message next to the right input, as the browser does.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from measures.api.etags import measure_etag
from measures.workflow import StaleMeasureError, WorkflowError, WorkflowPermissionError


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code / 错误代码")
    message = serializers.CharField(help_text="Message in the request's language / 按请求语言给出的说明")
    field = serializers.CharField(allow_null=True, help_text="The field at fault, or null / 出错的字段")
    errors = serializers.DictField(required=False, help_text="Every field error, when there are several / 全部字段错误")


def _first(detail) -> tuple[str | None, exceptions.ErrorDetail | str]:
    """The first (field, message) of a possibly nested DRF error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            field, message = _first(value)
            if key == "non_field_errors":
                return field, message
            return (str(key) if field is None or isinstance(value, list) else f"{key}.{field}"), message
        return None, ""
    if isinstance(detail, list):
        return _first(detail[0]) if detail else (None, "")
    return None, detail


def error_body(*, code: str, message, field: str | None = None, errors=None) -> dict:
    body = {"code": code, "message": str(message), "field": field}
    if errors is not None:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    if isinstance(exc, StaleMeasureError):
        set_rollback()
        return Response(
            error_body(code=exc.code, message=exc.message, field=exc.field),
            status=412, headers={"ETag": measure_etag(exc.measure)},
        )
    if isinstance(exc, WorkflowError):
        set_rollback()
        status = 403 if isinstance(exc, WorkflowPermissionError) else 400
        return Response(error_body(code=exc.code, message=exc.message, field=exc.field), status=status)
    if isinstance(exc, Http404):
        # Never echo "No Measure matches the given query": out of scope and absent look the same.
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{exc.wait:.0f}"
    set_rollback()
    if isinstance(exc.detail, dict | list):
        field, message = _first(exc.detail)
        code = getattr(message, "code", None) or exc.default_code
        errors = exc.detail if isinstance(exc.detail, dict) else None
        body = error_body(code=code, message=message, field=field, errors=errors)
    else:
        body = error_body(code=getattr(exc.detail, "code", None) or exc.default_code, message=exc.detail)
    return Response(body, status=exc.status_code, headers=headers)


ERROR_DESCRIPTIONS = {
    "400": "Invalid request or workflow refusal / 请求无效或流程不允许",
    "401": "Not authenticated / 未登录或令牌无效",
    "403": "Your role may not do this / 无此权限",
    "404": "Not found or out of your scope / 不存在或不在您的权限范围内",
    "405": "Method not allowed / 不支持的请求方法",
    "406": "Not acceptable / 无法按所要求的格式返回",
    "412": "If-Match does not match the current version / 版本已变化（If-Match 不匹配）",
    "415": "Unsupported media type / 不支持的内容类型",
    "428": "If-Match is required / 需要 If-Match 请求头",
}


class ApiAutoSchema(AutoSchema):
    """Documents the shared error shape on every operation, so clients and schemathesis know it."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "405", "406"]
        if self.method != "GET":
            codes += ["412", "415", "428"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses
