"""佐证材料: checking uploaded files by their content and storing them under generated names."""

import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import PurePath

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

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


def _is_zip_bomb(upload) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return True
    finally:
        upload.seek(0)
    return unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_ZIP_RATIO * max(upload.size, 1)


def evidence_validate(files: Sequence) -> None:
    """Raise WorkflowError(field='files') for too many, too large, or disguised files."""
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


def evidence_attach(files: Sequence, *, measure, actor, progress_report=None, closeout=None) -> list:
    """Store already validated uploads; called inside the workflow's transaction."""
    from .models import Evidence

    stored = []
    for upload in files:
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = Evidence(
            measure=measure,
            progress_report=progress_report,
            closeout=closeout,
            original_name=PurePath(upload.name).name[:255],
            content_type=ALLOWED_MIME.get(ALLOWED[PurePath(upload.name).suffix.lower()], "application/octet-stream"),
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        stored.append(evidence)
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
