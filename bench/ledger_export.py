"""整改台账 at scale: export of N measures (default 100,000) and import of a 10,000-row ledger.

    python -m bench.ledger_export [--measures 100000] [--generate N] [--import-rows 10000] [--import-only]

Each measurement runs in a subprocess of its own, so its peak RSS (getrusage ru_maxrss) is its own.
The export is timed from the query to the saved file (database fetch included) for the office of
the top court, who sees every measure. The floor is the same query's rows written by XlsxWriter in
constant-memory mode with no layout (no merges, styles, summary). Memory is reported as the peak
RSS above the process's size after ``django.setup()`` (``value``), and the whole process's peak
(``process_peak_mb``). The import reads a 10,000-row ledger exported here into an empty review and
commits it, inside a transaction that is rolled back afterwards so the bench database stays as it was;
the preview (dry run) of the same file is timed first (``preview_s``). ``--import-only`` skips the export.

Prints JSON lines: {"ledger_export_100k_s": {...}}, {"ledger_export_100k_rss_mb": {...}},
{"ledger_import_10k_s": {...}}.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _office():
    from accounts.models import User

    return (
        User.objects.filter(roles__contains=["rectification_office"], court__parent__isnull=True)
        .select_related("court").order_by("id").first()
    )


def child_export(kind: str, limit: int) -> dict:
    import django

    django.setup()
    baseline = _rss_mb()
    from django.utils import timezone

    from measures.models import Measure
    from reports.exports.ledger import LedgerExporter, ledger_rows
    from reports.ledgers import ledger_measures

    user = _office()
    measures = ledger_measures(user=user, params={})
    if limit:
        measures = measures.filter(pk__in=Measure.objects.order_by("id").values("id")[:limit])
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        if kind == "ledger":
            rows = LedgerExporter(measures=measures, title="基准法院整改工作台账", as_of=timezone.localdate()).render(out)
        else:
            import xlsxwriter

            workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
            ws = workbook.add_worksheet()
            rows = 0
            for rows, row in enumerate(ledger_rows(measures).iterator(chunk_size=2000), start=1):
                values = list(row.values())
                values[-1] = "、".join(values[-1] or ())
                ws.write_row(rows - 1, 0, values)
            workbook.close()
        seconds = time.perf_counter() - started
        size = out.tell()
    return {"seconds": seconds, "rows": rows, "rss_mb": _rss_mb() - baseline, "process_peak_mb": _rss_mb(),
            "bytes": size}


def child_import(rows: int) -> dict:
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from issues.models import Review
    from measures.models import Measure
    from reports.exports.ledger import LedgerExporter
    from reports.imports import ledger_import
    from reports.ledgers import ledger_measures

    office = _office()
    source = Review.objects.filter(court=office.court).order_by("id").first()
    measures = ledger_measures(user=office, params={"review": str(source.pk)})
    measures = measures.filter(pk__in=Measure.objects.filter(review=source).order_by("id").values("id")[:rows])
    with tempfile.TemporaryFile() as out:
        written = LedgerExporter(measures=measures, title="基准台账", as_of=timezone.localdate()).render(out)

        class Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                target = Review.objects.create(court=office.court, title="导入基准", source="self_review")
                out.seek(0)
                started = time.perf_counter()
                ledger_import.ledger_import_preview(review=target, actor=office, source=out)
                preview_seconds = time.perf_counter() - started
                out.seek(0)
                started = time.perf_counter()
                done = ledger_import.ledger_import_commit(review=target, actor=office, source=out)
                seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
    return {"seconds": seconds, "preview_seconds": preview_seconds, "rows": written, "created": done.created,
            "rss_mb": _rss_mb()}


def _run_child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ledger_export", "--child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=100_000, help="export at most this many measures")
    parser.add_argument("--generate", type=int, default=0, help="fill an empty database with N measures first")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--import-only", action="store_true", help="skip the export measurements")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "import":
            print(json.dumps(child_import(int(rest[0]))))
        else:
            print(json.dumps(child_export(kind, int(rest[0]))))
        return

    if args.generate:
        from bench import generate

        print(generate.generate(args.generate, 1, False), file=sys.stderr)

    if not args.import_only:
        ledger = [_run_child("ledger", str(args.measures)) for _ in range(args.runs)]
        floor = [_run_child("floor", str(args.measures)) for _ in range(args.runs)]
        _print_export(ledger, floor)
    if args.import_rows:
        result = _run_child("import", str(args.import_rows))
        print(json.dumps({"ledger_import_10k_s": {
            "value": round(result["seconds"], 2), "unit": "s", "rows": result["rows"], "created": result["created"],
            "preview_s": round(result["preview_seconds"], 2), "process_peak_mb": round(result["rss_mb"], 1),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        }}))


def _print_export(ledger: list[dict], floor: list[dict]) -> None:
    best = min(ledger, key=lambda r: r["seconds"])
    best_floor = min(floor, key=lambda r: r["seconds"])
    label = f"{round(best['rows'] / 1000)}k" if best["rows"] != 100_000 else "100k"
    print(json.dumps({f"ledger_export_{label}_s": {
        "value": round(best["seconds"], 2), "floor": round(best_floor["seconds"], 2),
        "ratio": round(best["seconds"] / best_floor["seconds"], 2), "unit": "s", "rows": best["rows"],
        "file_mb": round(best["bytes"] / 2**20, 1), "floor_file_mb": round(best_floor["bytes"] / 2**20, 1),
    }}))
    print(json.dumps({f"ledger_export_{label}_rss_mb": {
        "value": round(max(r["rss_mb"] for r in ledger), 1), "floor": round(max(r["rss_mb"] for r in floor), 1),
        "ratio": round(max(r["rss_mb"] for r in ledger) / max(1.0, max(r["rss_mb"] for r in floor)), 2),
        "unit": "MB", "process_peak_mb": round(max(r["process_peak_mb"] for r in ledger), 1),
        "floor_process_peak_mb": round(max(r["process_peak_mb"] for r in floor), 1),
    }}))


if __name__ == "__main__":
    main()
