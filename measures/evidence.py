"""佐证材料: checking uploaded files by their content and storing them under generated names."""

import hashlib
import logging
import socket
import struct
import uuid
import weakref
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

import filetype
from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from audit.services import audit_record, audit_record_many

log = logging.getLogger(__name__)

# extension → the type ``filetype`` must find in the bytes
ALLOWED = {
    ".pdf": "pdf",
    ".doc": "doc",
    ".docx": "docx",
    ".xls": "xls",
    ".xlsx": "xlsx",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
}
ZIP_BASED = {"docx", "xlsx"}
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100


def _sniff(upload) -> str | None:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.extension if kind else None


class ArchiveRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_CHUNK = 64 * 1024


def archive_check(upload, *, max_unpacked: int, max_members: int = 1000) -> int:
    """The bytes a zip archive (.docx, .xlsx) really unpacks to; raises ``ArchiveRefused`` past
    ``max_unpacked`` or ``max_members``, or for an archive that cannot be read.

    The sizes in the zip directory are whatever the writer put there, so they are not trusted:
    each member's deflate stream is inflated from its local header onwards, in bounded steps, and
    the output is counted (and dropped) until the stream ends or the limit is passed. Memory stays
    at a few chunks; time is bounded by the limit, not by what the archive claims.
    """
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise ArchiveRefused(_("The archive holds more than %(n)d files.") % {"n": max_members})
            total = 0
            for info in members:
                total += _member_size(upload, info, limit=max_unpacked - total)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, ValueError) as error:
        raise ArchiveRefused(_("The archive is damaged and cannot be read.")) from error
    finally:
        upload.seek(0)
    return total


def _too_large() -> ArchiveRefused:
    return ArchiveRefused(_("The archive unpacks to more than the allowed size."))


def _member_size(upload, info: zipfile.ZipInfo, *, limit: int) -> int:
    upload.seek(info.header_offset)
    fields = _LOCAL_HEADER.unpack(upload.read(_LOCAL_HEADER.size))
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    upload.seek(fields[9] + fields[10], 1)  # the name and the extra field
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size > limit:
            raise _too_large()
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile("unsupported compression")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    while not inflater.eof:
        chunk = inflater.unconsumed_tail or upload.read(_CHUNK)
        if not chunk:
            raise zipfile.BadZipFile("truncated member")
        size += len(inflater.decompress(chunk, _CHUNK))
        if size > limit:
            raise _too_large()
    return size


def _is_zip_bomb(upload) -> bool:
    """Does the archive unpack, by the bytes it really produces, to more than the limits allow?"""
    limit = min(MAX_UNPACKED_BYTES, MAX_ZIP_RATIO * max(upload.size, 1))
    try:
        archive_check(upload, max_unpacked=limit)
    except ArchiveRefused:
        return True
    return False


def upload_sha256(upload) -> str:
    """The upload's SHA-256, computed once per upload object (by evidence_validate, before the
    workflow takes any lock) and reused by evidence_attach."""
    digest = _DIGESTS.get(upload)
    if digest is None:
        hasher = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            hasher.update(chunk)
        upload.seek(0)
        digest = _DIGESTS[upload] = hasher.hexdigest()
    return digest


_DIGESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def evidence_validate(files: Sequence) -> None:
    """Raise WorkflowError(field='files') for too many, too large, or disguised files. Hashes each
    file too: the slow work happens here, before the workflow locks the measure and the audit chain."""
    from .workflow import WorkflowError

    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise WorkflowError(
            _("At most %(n)d files can be attached at once.") % {"n": settings.EVIDENCE_MAX_FILES}, field="files"
        )
    for upload in files:
        name = upload.name
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise WorkflowError(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)},
                field="files",
            )
        if upload.size == 0:
            raise WorkflowError(_("%(name)s is empty.") % {"name": name}, field="files")
        expected = ALLOWED.get(PurePath(name).suffix.lower())
        if expected is None:
            raise WorkflowError(
                _("%(name)s: only PDF, Word, Excel, JPG and PNG files are accepted.") % {"name": name}, field="files"
            )
        if _sniff(upload) != expected:
            raise WorkflowError(
                _("%(name)s: the content does not match its file type.") % {"name": name}, field="files"
            )
        if expected in ZIP_BASED and _is_zip_bomb(upload):
            raise WorkflowError(_("%(name)s: the archive is malformed or too large when unpacked.") % {"name": name},
                                field="files")
        if settings.CLAMAV_SOCKET:
            _scan_or_quarantine(upload)
        upload_sha256(upload)


def evidence_attach(files: Sequence, *, measure, actor, progress_report=None, closeout=None) -> list:
    """Store already validated (and hashed) uploads; called inside the workflow's transaction.
    The audit rows are written last and in one go, so the court's audit chain is locked only after
    the files are on disk."""
    from .models import Evidence

    stored = []
    for upload in files:
        evidence = Evidence(
            measure=measure,
            progress_report=progress_report,
            closeout=closeout,
            original_name=PurePath(upload.name).name[:255],
            content_type=ALLOWED_MIME.get(ALLOWED[PurePath(upload.name).suffix.lower()], "application/octet-stream"),
            size=upload.size,
            sha256=upload_sha256(upload),
            uploaded_by=actor,
        )
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        stored.append(evidence)
    audit_record_many(actor=actor, events=[{"action": "evidence_uploaded", "obj": evidence, "detail": {
        "measure": measure.pk, "name": evidence.original_name, "size": evidence.size, "sha256": evidence.sha256,
    }} for evidence in stored])
    return stored


ALLOWED_MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}


# --- integrity and virus scan ----------------------------------------------------------------------

def stored_file_intact(fieldfile, sha256: str) -> bool:
    """Does a stored file still have the SHA-256 recorded when it was stored? (Checked before every download.)"""
    if not fieldfile or not sha256:
        return False
    digest = hashlib.sha256()
    try:
        with fieldfile.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def stored_file_response(*, obj, fieldfile, sha256: str, name: str, request, content_type: str = "",
                         kind: str = "evidence", detail: dict | None = None) -> HttpResponse | None:
    """The one way a stored file (evidence, a rule's document) leaves the system, page or API: its SHA-256 is
    checked, the download (or the mismatch) is audited, and it goes out as an attachment with nosniff.

    Returns None, after auditing the mismatch, for a file changed or lost on disk since it was stored: the
    caller says so in its own format. The caller has already checked the user's scope.
    """
    detail = detail or {}
    if not stored_file_intact(fieldfile, sha256):
        audit_record(action=f"{kind}_tampered", request=request, obj=obj, success=False,
                     detail={**detail, "expected_sha256": sha256})
        return None
    audit_record(action=f"{kind}_downloaded", request=request, obj=obj,
                 detail={**detail, "name": name, "sha256": sha256})
    content_type = content_type or "application/octet-stream"
    if settings.EVIDENCE_X_ACCEL:
        # nginx sends the file from its internal location (EVIDENCE_ROOT); the check above already ran.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.EVIDENCE_X_ACCEL_PREFIX + quote(fieldfile.name)
        response["Content-Disposition"] = content_disposition_header(True, name)
    else:
        response = FileResponse(fieldfile.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def evidence_file_response(*, evidence, request, content_type: str | None = None) -> HttpResponse | None:
    return stored_file_response(
        obj=evidence, fieldfile=evidence.file, sha256=evidence.sha256, name=evidence.original_name, request=request,
        content_type=content_type or evidence.content_type, detail={"measure": evidence.measure_id},
    )


def evidence_tampered_message() -> str:
    return _("This file no longer matches its recorded checksum; the administrator has been notified in the "
             "audit log.")



class ScanUnavailable(Exception):
    pass


def clamav_scan(upload, *, socket_path: str, timeout: float) -> str | None:
    """Send the file to clamd (INSTREAM over its unix socket). Returns the signature name on a hit,
    None when clean; raises ScanUnavailable when clamd cannot give an answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(b"zINSTREAM\0")
            upload.seek(0)
            for chunk in upload.chunks(64 * 1024):
                conn.sendall(struct.pack(">I", len(chunk)) + chunk)
            conn.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        raise ScanUnavailable(str(error)) from error
    finally:
        upload.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip() or "unknown"
    if answer.endswith("OK"):
        return None
    raise ScanUnavailable(answer or "no answer")


def _scan_or_quarantine(upload) -> None:
    """A hit refuses the upload and keeps the file in the quarantine directory (never in evidence);
    a scanner that does not answer refuses it too: an unscanned file is not accepted."""
    from .workflow import WorkflowError

    try:
        signature = clamav_scan(upload, socket_path=settings.CLAMAV_SOCKET, timeout=settings.CLAMAV_TIMEOUT)
    except ScanUnavailable:
        log.exception("ClamAV scan failed")
        raise WorkflowError(_("The virus scan is not available; please try again later."), field="files") from None
    if signature is None:
        return
    root = settings.EVIDENCE_QUARANTINE_ROOT
    root.mkdir(parents=True, exist_ok=True)
    stored = root / f"{uuid.uuid4().hex}.quarantine"
    upload.seek(0)
    with open(stored, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    upload.seek(0)
    audit_record(action="evidence_quarantined", success=False, detail={
        "name": PurePath(upload.name).name, "signature": signature, "quarantined_as": stored.name,
    })
    raise WorkflowError(
        _("%(name)s was refused: the virus scan found %(signature)s.") % {"name": upload.name, "signature": signature},
        field="files",
    )

