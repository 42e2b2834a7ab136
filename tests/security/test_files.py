"""Evidence files: served only through the checked view (attachment, nosniff), type by content,
decompression bombs refused, SHA-256 checked on download, ClamAV hook with quarantine."""

import io
import os
import socket
import struct
import threading
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from measures import workflow
from measures.evidence import _is_zip_bomb
from measures.workflow import WorkflowError

DOCX_CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", DOCX_CT)
        z.writestr("word/document.xml", b"<w:document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_crafted_decompression_bomb_is_detected_and_refused(org, measure):
    bomb = docx({"word/media/pad.bin": b"\0" * (50 * 1024 * 1024)})  # 50 MB of zeros → ~50 KB packed
    assert len(bomb) < 200 * 1024
    upload = SimpleUploadedFile("制度.docx", bomb)
    assert _is_zip_bomb(upload)
    with pytest.raises(WorkflowError) as refused:
        workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="附制度", percent=10,
                                         files=[SimpleUploadedFile("制度.docx", bomb)])
    assert refused.value.field == "files" and measure.evidence.count() == 0
    assert not _is_zip_bomb(SimpleUploadedFile("正常.docx", docx()))


def test_downloads_are_attachments_with_nosniff(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    client.force_login(org.staff_a)
    response = client.get(reverse("evidence_download", args=[measure.evidence.get().pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_changed_on_disk_is_not_served_and_is_audited(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    with open(evidence.file.path, "ab") as handle:
        handle.write(b"tampered")
    client.force_login(org.staff_a)
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 409
    assert b"tampered" not in response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EVIDENCE_TAMPERED, success=False,
                                     object_id=str(evidence.pk)).exists()


class FakeClamd:
    """A clamd speaking INSTREAM on a unix socket; finds 'EICAR' in what it is sent."""

    def __init__(self, path):
        self.path = str(path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        self.received = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _read(self, conn, n):
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                command = self._read(conn, len(b"zINSTREAM\0"))
                assert command == b"zINSTREAM\0"
                body = b""
                while True:
                    (size,) = struct.unpack(">I", self._read(conn, 4))
                    if size == 0:
                        break
                    body += self._read(conn, size)
                self.received.append(body)
                verdict = b"stream: Eicar-Test-Signature FOUND\0" if b"EICAR" in body else b"stream: OK\0"
                conn.sendall(verdict)

    def close(self):
        self.server.close()
        os.unlink(self.path)


@pytest.fixture
def clamd(settings, tmp_path):
    server = FakeClamd(tmp_path / "clamd.sock")
    settings.CLAMAV_SOCKET = server.path
    settings.EVIDENCE_QUARANTINE_ROOT = tmp_path / "quarantine"
    yield server
    server.close()


def pdf(name, payload=b""):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + payload + b"\n%%EOF\n", content_type="application/pdf")


def test_clean_files_pass_the_virus_scan(org, measure, clamd):
    workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="材料", percent=10,
                                     files=[pdf("报告.pdf")])
    assert measure.evidence.count() == 1 and len(clamd.received) == 1


def test_an_infected_file_is_refused_and_quarantined(org, measure, clamd, settings):
    with pytest.raises(WorkflowError, match="Eicar-Test-Signature"):
        workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="材料", percent=10,
                                         files=[pdf("报告.pdf", b"EICAR-STANDARD-ANTIVIRUS-TEST")])
    assert measure.evidence.count() == 0
    quarantined = list(settings.EVIDENCE_QUARANTINE_ROOT.iterdir())
    assert len(quarantined) == 1 and b"EICAR" in quarantined[0].read_bytes()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EVIDENCE_QUARANTINED)
    assert event.detail["signature"] == "Eicar-Test-Signature" and not event.success


def test_uploads_are_refused_while_the_scanner_is_unreachable(org, measure, settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(WorkflowError) as refused:
        workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="材料", percent=10,
                                         files=[pdf("报告.pdf")])
    assert refused.value.field == "files" and measure.evidence.count() == 0


def _tamper(evidence):
    with open(evidence.file.path, "ab") as handle:
        handle.write(b"tampered")


def test_the_api_refuses_a_file_changed_on_disk_exactly_as_the_page_does(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    _tamper(evidence)
    client.force_login(org.staff_a)
    response = client.get(f"/api/evidence/{evidence.pk}/download/")
    assert response.status_code == 409
    assert response.json()["code"] == "evidence_tampered"
    assert "校验" in response.json()["message"]  # the page's Chinese message, not the file's bytes
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EVIDENCE_TAMPERED, success=False,
                                     object_id=str(evidence.pk), actor=org.staff_a).count() == 1


def test_an_api_download_is_audited_like_a_page_download(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    client.force_login(org.staff_a)
    downloads = AuditEvent.objects.filter(action=AuditEvent.Action.EVIDENCE_DOWNLOADED, object_id=str(evidence.pk))
    page = client.get(reverse("evidence_download", args=[evidence.pk]))
    api = client.get(f"/api/evidence/{evidence.pk}/download/")
    assert page.status_code == api.status_code == 200
    assert b"".join(api.streaming_content) == b"".join(page.streaming_content)
    assert api["X-Content-Type-Options"] == "nosniff" and api["Content-Disposition"].startswith("attachment")
    page_row, api_row = downloads.order_by("id")
    assert (page_row.actor, page_row.detail) == (api_row.actor, api_row.detail) == (
        org.staff_a, {"measure": measure.pk, "name": evidence.original_name, "sha256": evidence.sha256})
