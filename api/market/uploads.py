"""Uploads (licence scans, photos, certificates): the declared type must match the file's own signature,
and the size must stay under the purpose's limit. A refused file stores nothing."""

from __future__ import annotations

import hashlib

from fastapi import UploadFile

from api.errors import ApiError
from db.market_models import StoredFile

MB = 1024 * 1024
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
RULES: dict[str, tuple[frozenset[str], int]] = {
    "licence": (frozenset({"application/pdf", "image/png", "image/jpeg"}), 5 * MB),
    "photo": (frozenset({"image/png", "image/jpeg"}), 2 * MB),
}


def _refuse(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message, [{"field": "file", "message": message}])


async def read_checked(upload: UploadFile, purpose: str) -> tuple[bytes, str]:
    """The file's bytes and content type, or 413/415/422 with the reason."""
    allowed, limit = RULES[purpose]
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in allowed:
        kinds = ", ".join(sorted(allowed))
        raise _refuse(415, "unsupported_file_type", f"a {purpose} must be one of {kinds}")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(413, "file_too_large", f"a {purpose} must be at most {limit // MB} MB")
    if not data:
        raise _refuse(422, "empty_file", "the file is empty")
    if not data.startswith(_SIGNATURES[declared]):
        raise _refuse(415, "file_type_mismatch", f"the file's content is not {declared}")
    return data, declared


def stored(
    data: bytes, content_type: str, *, owner_kind: str, owner_id: str, purpose: str, user_id: str
) -> StoredFile:
    return StoredFile(
        owner_kind=owner_kind,
        owner_id=owner_id,
        purpose=purpose,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_user_id=user_id,
    )
