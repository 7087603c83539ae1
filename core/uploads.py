"""Uploads waiting between a preview and its confirmation, for every import.

``stash`` keeps the bytes under ``MEDIA_ROOT/pending/<random name>`` and returns a token signed with
``django.core.signing`` naming that file, the uploader, the kind of import, the file name and its SHA-256.
``load`` gives the bytes back only to the same user for the same kind, within the lifetime
(``settings.PENDING_UPLOAD_MAX_AGE``, two hours by default) and unchanged; anything else is one clear Chinese
``ValidationError``. ``discard`` removes the file. Files of previews never confirmed are removed at the next
``stash`` once expired."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

SALT = "core.uploads.pending"
FOLDER = "pending"
DEFAULT_MAX_AGE = 2 * 3600
EXPIRED = "上传的文件已过期或不存在（预览超过有效期、已经导入过或不是您上传的文件），请重新上传。"
_NAME = re.compile(r"[0-9a-f]{32}")


def max_age() -> int:
    return int(getattr(settings, "PENDING_UPLOAD_MAX_AGE", DEFAULT_MAX_AGE))


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def _remove_expired(directory: Path, lifetime: int) -> None:
    cutoff = time.time() - lifetime
    for path in directory.iterdir():
        try:
            if _NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            pass


def stash(user_id: int, kind: str, data: bytes, filename: str) -> str:
    """Keep ``data`` for ``user_id``'s import of ``kind``; the signed token that gives it back."""
    directory = folder()
    directory.mkdir(parents=True, exist_ok=True)
    _remove_expired(directory, max_age())
    name = secrets.token_hex(16)
    descriptor = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    payload = {"f": name, "u": user_id, "k": kind, "n": filename, "s": hashlib.sha256(data).hexdigest()}
    return signing.dumps(payload, salt=SALT, compress=True)


def _payload(token: str, lifetime: int | None = None) -> dict[str, object] | None:
    try:
        payload = signing.loads(token or "", salt=SALT, max_age=max_age() if lifetime is None else lifetime)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not _NAME.fullmatch(str(payload.get("f", ""))):
        return None
    return payload


def load(user_id: int, kind: str, token: str, max_age: int | None = None) -> tuple[bytes, str]:
    """(bytes, file name) of the upload the token names. Raises ``ValidationError`` (``EXPIRED``) when the token
    is expired, tampered with, another user's or another kind's, or the file is gone or changed."""
    payload = _payload(token, max_age)
    if payload is None or payload.get("u") != user_id or payload.get("k") != kind:
        raise ValidationError(EXPIRED, code="expired")
    try:
        data = (folder() / str(payload["f"])).read_bytes()
    except OSError:
        raise ValidationError(EXPIRED, code="expired") from None
    if hashlib.sha256(data).hexdigest() != payload.get("s"):
        raise ValidationError(EXPIRED, code="expired")
    return data, str(payload.get("n", ""))


def kind_of(token: str) -> str:
    """The kind a valid token was issued for ('' when it is not valid)."""
    payload = _payload(token)
    return str(payload.get("k", "")) if payload else ""


def discard(token: str) -> None:
    """Remove the upload the token names (a token that is not valid, or expired, is ignored)."""
    payload = _payload(token, 10 * 365 * 24 * 3600)
    if payload is not None:
        (folder() / str(payload["f"])).unlink(missing_ok=True)
