"""Request ids and JSON logs.

nginx gives each request an id and passes it as X-Request-ID (or forwards the client's own);
RequestIdMiddleware takes it, or makes one when the app is reached directly, keeps it in a
context variable for the duration of the request and returns it on the response. RequestIdFilter
copies it onto every log record, so one grep finds the nginx access line, the Django log lines
and the error the user quotes from the response header. LOG_FORMAT=json switches the console to
one JSON object per line (JsonFormatter) for a log collector.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid

from django.core.signals import request_finished

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from outside: nginx's $request_id (32 hex) or a UUID; anything else is replaced,
# so a client cannot inject newlines or megabytes into our logs.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTABLE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs "Internal Server Error" / 4xx lines after the
        # middleware chain has returned. request_finished (below) clears it instead.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _forget_request_id(**kwargs) -> None:
    request_id_var.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="courtreform.logs.forget_request_id")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 with offset), level, logger, message, request_id,
    the exception text if any, and whatever was passed in ``extra=``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        return json.dumps(entry, ensure_ascii=False)


class ExpectedRefusalFilter(logging.Filter):
    """A 403 or 404 is the app working as meant (out of scope, wrong link): one line, no traceback.

    Django's ``log_response`` attaches the PermissionDenied/Http404 exception to its "Forbidden" and
    "Not Found" warnings; the traceback only says where the refusal was raised, which the path tells.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
