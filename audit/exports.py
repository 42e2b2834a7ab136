"""CSV export of the audit log, safe to open in Excel/WPS."""

import csv
import io

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell never starts with = + - @ (or tab/CR): spreadsheets would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


HEADER = ["id", "time", "user", "ip", "action", "object type", "object id", "success", "detail", "hash"]


def audit_csv(events) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for e in events.iterator(chunk_size=2000):
        writer.writerow([safe_cell(v) for v in (
            e.id, f"{timezone.localtime(e.at):%Y-%m-%d %H:%M:%S}", e.actor_username, e.ip, e.action,
            e.object_type, e.object_id, "1" if e.success else "0", e.detail_redacted, e.hash,
        )])
    return out.getvalue()
