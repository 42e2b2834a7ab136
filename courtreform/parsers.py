"""The API's JSON parser: DRF's, with a size and a nesting limit (a 400 before anything is decoded).

Python's json recurses once per level and fails with a RecursionError (a 500) at about 1,000 levels;
our payloads nest two or three.
"""

import io
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

JSON_MAX_DEPTH = 32
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_too_deep(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """Does the document nest arrays/objects deeper than ``limit``? Brackets inside strings do not count."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(parsers.JSONParser):
    """Reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes and refuses documents nested deeper than
    JSON_MAX_DEPTH, both with a 400 that says which limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = (stream.read(limit + 1) if limit is not None else stream.read()) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise exceptions.ParseError(_("The request body is larger than %(n)d bytes.") % {"n": limit},
                                        code="body_too_large")
        try:
            text = raw.decode(parsers.get_encoding(parser_context or {}))
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("The request body is not valid JSON."), code="parse_error") from exc
        if json_too_deep(text):
            raise exceptions.ParseError(
                _("The JSON body nests more than %(n)d levels of arrays or objects.") % {"n": JSON_MAX_DEPTH},
                code="json_too_deep",
            )
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:  # a backstop: json_too_deep refuses such a body first
            raise exceptions.ParseError(_("The request body is not valid JSON."), code="parse_error") from exc
