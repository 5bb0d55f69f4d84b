"""Storing uploaded files safely: size and type limits, type checked by content, random names.

- The type is decided by the file's first bytes (and, for Office files, the ZIP's table of
  contents), never by the browser's Content-Type; the name's extension must agree with it. A
  renamed executable or HTML page is refused whatever it is called.
- Files are kept under the instance folder (``UPLOAD_FOLDER``), outside ``static``, under a
  random 32-hex-digit name in a two-level fan-out; nothing the user typed reaches the path.
- They are served only by the attachment views, after a scoped, permission-checked look-up,
  always as a download (``Content-Disposition: attachment``, ``nosniff``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext

from app.core.errors import DomainError

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: frozenset[str]


JPEG = FileKind("JPEG", "image/jpeg", frozenset({"jpg", "jpeg"}))
PNG = FileKind("PNG", "image/png", frozenset({"png"}))
PDF = FileKind("PDF", "application/pdf", frozenset({"pdf"}))
DOCX = FileKind(
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    frozenset({"docx"}),
)
XLSX = FileKind(
    "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    frozenset({"xlsx"}),
)
# Word 97–2003 and Excel 97–2003 share one container format (OLE2); the extension tells which.
OLE_DOC = FileKind("Word 97-2003", "application/msword", frozenset({"doc"}))
OLE_XLS = FileKind("Excel 97-2003", "application/vnd.ms-excel", frozenset({"xls"}))

ALLOWED_KINDS = (JPEG, PNG, PDF, DOCX, XLSX, OLE_DOC, OLE_XLS)
ALLOWED_EXTENSIONS = frozenset(ext for kind in ALLOWED_KINDS for ext in kind.extensions)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])


def describe_size(size: int) -> str:
    """10 MB, 64 KB: how a limit reads."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


def clean_filename(name: str | None) -> str:
    """The name as uploaded, made harmless for display and download (Chinese kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().strip(".")
    return base[:255] or "file"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def detect_kind(path: Path, extension: str) -> FileKind | None:
    """The file's real type from its content, or None if it is none we accept."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE_MAGIC):
        return OLE_XLS if extension == "xls" else OLE_DOC
    if head.startswith(b"PK\x03\x04"):
        # Only the ZIP's table of contents is read (nothing is decompressed).
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def store_upload(
    stream: IO[bytes],
    filename: str | None,
    *,
    kinds: tuple[FileKind, ...] = ALLOWED_KINDS,
    limit: int | None = None,
) -> StoredFile:
    """Check and keep an uploaded file; DomainError (field "file") if it is refused.

    `kinds` narrows the accepted types (the public portal takes pictures and PDF only) and
    `limit` the size (bytes), below the site-wide `max_bytes()`.
    """
    original = clean_filename(filename)
    extension = extension_of(original)
    if extension not in {ext for kind in kinds for ext in kind.extensions}:
        raise DomainError(allowed_types_message(kinds), field="file")
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    limit = min(limit, max_bytes()) if limit else max_bytes()
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        gettext("The file is larger than %(limit)s.", limit=describe_size(limit)),
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError(gettext("The file is empty."), field="file")
        kind = detect_kind(temp, extension)
        if kind is None or kind not in kinds:
            raise DomainError(allowed_types_message(kinds), field="file")
        if extension not in kind.extensions:
            raise DomainError(
                gettext(
                    "The file's content is %(kind)s, which does not match its name (.%(ext)s).",
                    kind=kind.label,
                    ext=extension,
                ),
                field="file",
            )
        stored_name = secrets.token_hex(16)
        target = path_of(stored_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
        target.chmod(0o640)
    finally:
        temp.unlink(missing_ok=True)
    return StoredFile(stored_name, original, kind.content_type, size, digest.hexdigest())


def allowed_types_message(kinds: tuple[FileKind, ...] = ALLOWED_KINDS) -> str:
    if tuple(kinds) == ALLOWED_KINDS:
        return gettext(
            "Only pictures (JPEG, PNG), PDF and Word/Excel documents can be attached."
        )
    return gettext(
        "Only these kinds of file can be attached: %(kinds)s.",
        kinds="、".join(kind.label for kind in kinds),
    )


def path_of(stored_name: str) -> Path:
    """Where a stored file lives. The name is ours (hex); anything else is refused."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        raise ValueError("not a stored file name")
    return upload_folder() / stored_name[:2] / stored_name


def remove_stored(stored_name: str) -> None:
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except (ValueError, OSError):
        pass
