"""The application's URLs plus the floors of the HTTP scenarios, served by the same gunicorn.

- ``/bench/floor/measures/`` (bench/api_list.py): the same token check as /api/measures/ (the API's own
  authentication class, lockout included), then the raw SQL of that script's in-process floor — the
  same 50 rows at the same cursor, scoped to the token's court tree — returned as a JsonResponse. No DRF
  view, filter set, serializer or scope rule of ours: the cheapest way to serve the same page to the
  same caller.
- ``/bench/floor/measures/<id>/progress/`` (bench/concurrent.py): the same POST from the same logged-in
  session through the same middleware (CSRF, session renewal), with the workflow reduced to the row
  update: a version-checked UPDATE of the measure, 302 or 409 — no row lock, permission check, report
  row, evidence, history or audit record.
"""

import base64
import datetime

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from audit.authentication import LockoutApiTokenAuthentication
from courtreform.urls import urlpatterns as application

PAGE_SQL = (
    "SELECT m.id, m.text, m.current_deadline, m.status, m.progress_percent, d.name, u.full_name, "
    "(SELECT p.note FROM measures_progressreport p WHERE p.measure_id = m.id "
    " ORDER BY p.created_at DESC, p.id DESC LIMIT 1) "
    "FROM measures_measure m JOIN issues_review r ON r.id = m.review_id "
    "LEFT JOIN accounts_department d ON d.id = m.lead_department_id "
    "LEFT JOIN accounts_user u ON u.id = m.responsible_leader_id WHERE r.court_id = ANY(%s) {where} "
    "ORDER BY m.current_deadline ASC NULLS LAST, m.id LIMIT 51"
)
COLUMNS = ("id", "text", "current_deadline", "status", "progress_percent", "lead_department_name",
           "responsible_leader_name", "latest_progress_note")


def floor_measure_page(request):
    try:
        found = LockoutApiTokenAuthentication().authenticate(Request(request))
    except APIException as error:
        return JsonResponse({"detail": str(error.detail)}, status=error.status_code)
    if found is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    user, _token = found
    where, seek = "", []
    if cursor := request.GET.get("cursor"):
        day, pk = base64.urlsafe_b64decode(cursor.encode()).decode().rsplit(".", 1)
        if day == "none":
            where, seek = "AND m.current_deadline IS NULL AND m.id > %s", [int(pk)]
        else:
            where, seek = "AND (m.current_deadline, m.id) > (%s, %s)", [datetime.date.fromisoformat(day), int(pk)]
    with connection.cursor() as cur:
        cur.execute(PAGE_SQL.format(where=where), [user.court_tree_ids(), *seek])
        rows = cur.fetchall()
    return JsonResponse({"results": [dict(zip(COLUMNS, row, strict=True)) for row in rows[:50]],
                         "more": len(rows) > 50})


@login_required
@require_POST
def floor_progress(request, pk: int):
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE measures_measure SET progress_percent = %s, version = version + 1, updated_at = now() "
            "WHERE id = %s AND version = %s",
            [int(request.POST["percent"]), pk, int(request.POST["version"])],
        )
        if cur.rowcount != 1:
            return HttpResponse(status=409)
    return HttpResponseRedirect(f"/measures/{pk}/")


urlpatterns = [
    path("bench/floor/measures/", floor_measure_page),
    path("bench/floor/measures/<int:pk>/progress/", floor_progress),
    *application,
]
