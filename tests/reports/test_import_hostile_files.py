"""Hostile uploads are refused fast, with bounded memory and a message that says why: a ledger that
unpacks to a million empty rows, a cell of 210 million characters, a zip bomb; and evidence archives
are judged by the bytes they really unpack to, not by the sizes their zip directory declares.

Each refusal prints its time and its peak of Python memory (tracemalloc) for the closing note
(``pytest -s``)."""

import datetime
import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from measures import workflow
from measures.evidence import ArchiveRefused, archive_check
from reports.imports import ledger_import as li

from .. import factories as f

HEADER = ["序号", "问题类别", "具体问题", "整改措施", "责任领导", "牵头部门", "整改时限"]
MB = 1024 * 1024


@pytest.fixture
def review(org):
    return f.ReviewFactory(court=org.court, feedback_date=datetime.date(2020, 7, 16))


def workbook(*rows) -> bytes:
    wb = Workbook()
    for row in [HEADER, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, member: str, write) -> bytes:
    """The same workbook with one member's content produced by ``write(handle, original)``, streamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            original = source.read(info.filename)
            if info.filename == member:
                with target.open(member, "w", force_zip64=True) as handle:
                    write(handle, original)
            else:
                target.writestr(info, original)
    return out.getvalue()


def refused(review, org, data: bytes) -> tuple[li.ImportPreview, float, float]:
    """Preview the upload; answer the preview, the CPU seconds it took and the peak MB it allocated.

    CPU time, not wall time: the test machine is shared, and waiting for a core is not the import's
    cost (the wall time is printed too)."""
    started, cpu = time.perf_counter(), time.process_time()
    preview = li.ledger_import_preview(review=review, actor=org.office, source=io.BytesIO(data))
    seconds = time.process_time() - cpu
    print(f"\n[hostile] wall {time.perf_counter() - started:.2f} s", end="")
    tracemalloc.start()
    li.ledger_import_preview(review=review, actor=org.office, source=io.BytesIO(data))
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return preview, seconds, peak


def report(name: str, size: int, seconds: float, peak: float) -> None:
    print(f"\n[hostile] {name}: {size / 1024:.0f} KB refused in {seconds:.2f} s CPU, peak {peak:.1f} MB")


def test_a_ledger_that_unpacks_to_a_million_empty_rows_is_refused_in_under_two_seconds(org, review):
    def million_rows(handle, original):
        head, tail = original.split(b"</sheetData>")
        handle.write(head)
        for _ in range(100):
            handle.write(b"<row/>" * 10_000)
        handle.write(b"</sheetData>" + tail)

    data = rewrite(workbook([1, "类别", "问题", "措施", "", "", ""]), "xl/worksheets/sheet1.xml", million_rows)
    assert len(data) < 150 * 1024
    preview, seconds, peak = refused(review, org, data)
    report("1,000,000 empty rows", len(data), seconds, peak)
    assert [str(e) for e in preview.errors] == ["工作表“Sheet”超过50000行，请将台账拆分为多个文件。"]
    assert seconds < 2 and peak < 64


def test_a_cell_of_210_million_characters_is_refused(org, review):
    def huge_string(handle, original):
        head, tail = original.split(b"<t>HUGE</t>")
        handle.write(head + b"<t>")
        chunk = b"a" * MB
        for _ in range(210):
            handle.write(chunk)
        handle.write(b"</t>" + tail)

    data = rewrite(workbook([1, "类别", "问题", "HUGE", "", "", ""]), "xl/worksheets/sheet1.xml", huge_string)
    assert len(data) < 1024 * 1024
    preview, seconds, peak = refused(review, org, data)
    report("a cell of 210,000,000 characters", len(data), seconds, peak)
    assert [str(e) for e in preview.errors] == ["文件解压后超过允许的大小。"]
    assert seconds < 2 and peak < 64


def test_a_cell_longer_than_excel_allows_is_refused_naming_the_cell(org, review):
    def long_text(handle, original):
        handle.write(original.replace(b"<t>LONG</t>", b"<t>" + "措".encode() * 40_000 + b"</t>"))

    data = rewrite(workbook([1, "类别", "问题", "LONG", "", "", ""]), "xl/worksheets/sheet1.xml", long_text)
    preview, seconds, peak = refused(review, org, data)
    assert [str(e) for e in preview.errors] == ["D2：单元格有40000个字符，超过单元格上限32767个字符。"]


def test_a_zip_bomb_is_refused_in_under_two_seconds(org, review):
    out = io.BytesIO(workbook([1, "类别", "问题", "措施", "", "", ""]))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as handle:
            chunk = b"\0" * MB
            for _ in range(1024):  # 1 GB of zeros
                handle.write(chunk)
    data = out.getvalue()
    assert len(data) < 2 * MB
    preview, seconds, peak = refused(review, org, data)
    report("zip bomb (1 GB of zeros)", len(data), seconds, peak)
    assert [str(e) for e in preview.errors] == ["文件解压后超过允许的大小。"]
    assert seconds < 2 and peak < 64


def test_data_below_the_row_limit_is_refused_naming_the_limit(org, review, settings):
    settings.LEDGER_IMPORT_MAX_ROWS = 10
    data = workbook(*[[n, "类别", "问题", f"措施{n}", "", "", ""] for n in range(1, 12)])
    preview = li.ledger_import_preview(review=review, actor=org.office, source=io.BytesIO(data))
    assert [str(e) for e in preview.errors] == ["工作表“Sheet”超过10行，请将台账拆分为多个文件。"]


def test_a_formula_cell_without_a_stored_value_gets_its_own_message(org, review):
    data = workbook([1, "类别", "问题", '=HYPERLINK("http://example.com","制定学习计划")', "", "", ""])
    preview = li.ledger_import_preview(review=review, actor=org.office, source=io.BytesIO(data))
    assert [(e.row, e.column) for e in preview.errors] == [(2, "整改措施")]
    assert preview.errors[0].message.startswith("D2：公式单元格没有保存的值")


# --- evidence archives --------------------------------------------------------------------------

def understated_docx(real: int, declared: int) -> bytes:
    """A .docx whose zip directory says a member is ``declared`` bytes while it inflates to ``real``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/pad.bin", b"\0" * real)
    data = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/media/pad.bin")
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")  # the last entry of the central directory is pad.bin
    struct.pack_into("<I", data, central + 24, declared)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("word/media/pad.bin").file_size == declared
    return bytes(data)


def test_an_evidence_docx_whose_directory_understates_its_size_is_refused(org, measure):
    bomb = understated_docx(real=150 * MB, declared=150 * 1024)
    assert len(bomb) < 200 * 1024
    started = time.perf_counter()
    with pytest.raises(workflow.WorkflowError) as error:
        workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="附制度", percent=10,
                                         files=[SimpleUploadedFile("制度.docx", bomb)])
    report("evidence .docx declaring 150 KB, unpacking to 150 MB", len(bomb), time.perf_counter() - started, 0)
    assert error.value.field == "files" and "制度.docx" in error.value.message
    assert measure.evidence.count() == 0


def test_archive_check_counts_the_real_bytes_in_bounded_memory():
    bomb = understated_docx(real=150 * MB, declared=150 * 1024)
    tracemalloc.start()
    with pytest.raises(ArchiveRefused):
        archive_check(io.BytesIO(bomb), max_unpacked=100 * MB)
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    assert peak < 8
    honest = understated_docx(real=1000, declared=1000)
    assert archive_check(io.BytesIO(honest), max_unpacked=MB) > 1000
