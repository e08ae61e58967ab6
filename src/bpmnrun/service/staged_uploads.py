"""An uploaded diagram kept between its impact preview and the process owner's confirming click.

The file is stored with who uploaded it and its hash; the confirmation names only the hash, and only the same
user's file with that hash is deployed, so a forged or replayed second request cannot deploy anything else.
Staged files older than a day are dropped whenever another is staged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from ..store.models import StagedUpload
from .errors import NotFound
from .runtime import Runtime

KEPT_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Staged:
    sha256: str
    filename: str
    content: bytes


def stage(rt: Runtime, username: str, filename: str, content: bytes) -> Staged:
    """Keep the file for `username` (content already checked to be UTF-8); returns its hash."""
    digest = hashlib.sha256(content).hexdigest()
    with rt.transaction() as session:
        session.execute(delete(StagedUpload).where(StagedUpload.created_at < rt.now() - KEPT_FOR))
        row = _find(session, username, digest)
        if row is None:
            session.add(StagedUpload(username=username, sha256=digest, filename=filename,
                                     content=content.decode("utf-8"), created_at=rt.now()))
        else:
            row.filename, row.created_at = filename, rt.now()
    return Staged(digest, filename, content)


def take(rt: Runtime, username: str, sha256: str) -> Staged:
    """The file `username` staged with that hash (NotFound when there is none, or it expired)."""
    with rt.reading() as session:
        row = _find(session, username, sha256)
        if row is None or row.created_at < rt.now() - KEPT_FOR:
            raise NotFound("That preview has expired or was never made: upload the file again.")
        return Staged(row.sha256, row.filename, row.content.encode("utf-8"))


def discard(rt: Runtime, username: str, sha256: str) -> None:
    with rt.transaction() as session:
        session.execute(delete(StagedUpload).where(StagedUpload.username == username,
                                                   StagedUpload.sha256 == sha256))


def _find(session, username: str, sha256: str) -> StagedUpload | None:
    return session.scalars(select(StagedUpload).where(StagedUpload.username == username,
                                                      StagedUpload.sha256 == sha256)).first()
