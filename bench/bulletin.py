"""A bulletin for a review of 10,000 measures: snapshot, page, .docx and .xlsx, timed together.

The bench database's first review holds 10,000 measures (bench/generate.py). The floor is the
snapshot's own input: the as-of-date history query alone, as raw SQL.
"""

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from issues.models import Review
    from reports import bulletin_render, bulletins

    review = Review.objects.order_by("id").first()
    measures = review.measures.count()
    office = User.objects.filter(court=review.court, roles__contains=["rectification_office"]).first()
    today = timezone.localdate()
    period_start = today.replace(day=1)
    started = time.perf_counter()
    bulletin = bulletins.bulletin_generate(review=review, period_start=period_start, period_end=today,
                                           actor=office, regenerate=True)
    generated = time.perf_counter()
    docx = bulletin_render.render_docx(bulletin)
    xlsx = bulletin_render.render_xlsx(bulletin)
    rendered = time.perf_counter()
    client = Client()
    client.force_login(office)
    page = client.get(f"/bulletins/{bulletin.pk}/")
    assert page.status_code == 200
    total = time.perf_counter() - started
    with connection.cursor() as cur:
        floor_started = time.perf_counter()
        cur.execute(
            "SELECT DISTINCT ON (h.id) h.* FROM measures_historicalmeasure h WHERE h.review_id = %s "
            "AND h.history_date < now() ORDER BY h.id, h.history_date DESC, h.history_id DESC",
            [review.pk],
        )
        cur.fetchall()
        floor = time.perf_counter() - floor_started
    print(json.dumps({
        "bulletin_10k_s": {
            "value": round(total, 2), "floor": round(floor, 3), "ratio": round(total / floor, 1), "unit": "s",
            "measures": measures, "snapshot_s": round(generated - started, 2),
            "docx_xlsx_s": round(rendered - generated, 2), "page_s": round(total - (rendered - started), 2),
            "docx_kb": len(docx) // 1024, "xlsx_kb": len(xlsx) // 1024,
        }
    }))


if __name__ == "__main__":
    main()
