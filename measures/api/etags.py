"""Optimistic concurrency over HTTP: a measure's ETag is its id and version; writes need If-Match.

The version is the one the workflow already keeps (Measure.version, bumped on every write), so an
API client and a browser form are refused in exactly the same way when they are stale.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException


def measure_etag(measure) -> str:
    return f'"{measure.pk}-{measure.version}"'


class PreconditionRequired(APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = _("Send the measure's ETag in an If-Match header, so a stale change is refused.")


class PreconditionFailed(APIException):
    status_code = 412
    default_code = "stale"
    default_detail = _("This measure was changed by someone else since you read it.")


def expected_version(request, measure) -> int | None:
    """The version the client last saw, from If-Match; 428 without it, 412 if it names another state.

    ``*`` means "whatever the current version is" (RFC 9110), so the workflow checks nothing.
    """
    header = request.headers.get("If-Match")
    if not header or not header.strip():
        raise PreconditionRequired()
    for tag in (t.strip() for t in header.split(",")):
        if tag == "*":
            return None
        tag = tag.removeprefix("W/").strip('"')
        measure_id, _sep, version = tag.partition("-")
        if measure_id == str(measure.pk) and version.isascii() and version.isdigit():
            return int(version)
    raise PreconditionFailed()
