"""Verified backup and restore of the whole store, across SQLite and PostgreSQL.

A backup is one gzip file of JSON lines, readable with ``zcat`` and any JSON tool:

1. the **manifest**: ``{"format": "workbench-backup", "format_version": 1, "entries": N,
   "head_seq": N, "head_hash": "…", "created_at": "…", "source": "<URL, no password>",
   "workbench": "<version>"}``;
2. ``N`` **entries**, one per chain entry in ``seq`` order, with every column as stored
   (``seq``, ``kind``, ``record_id``, ``version``, ``author``, ``saved_at``, ``reason``,
   ``content`` as the exact JSON text that was hashed, ``content_hash``, ``prev_hash``,
   ``entry_hash``);
3. the **seal**: ``{"seal": {"entries": N, "body_sha256": "…"}}``, the SHA-256 of the entry
   lines' bytes.

A restore checks the whole archive before it writes anything: the manifest, every entry as
the chain's next link (content hashes, entry hashes, ``seq`` and versions), the chain's head
against the manifest and the body against the seal. Then it opens the target, which must be
empty, and inserts every entry as it was in one transaction (checking each link again), and
finally runs ``verify`` on the target: the same head, or the restore reports failure.

Who may restore: whoever holds the target database itself (the SQLite file's owner, or the
PostgreSQL store owner's connection): a restore is an administrator's act on a new, empty
store, and writes nothing on a store that holds anything.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import IntegrityError, NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ArchiveError",
    "BackupInfo",
    "RestoreResult",
    "backup",
    "read_manifest",
    "restore",
    "verify_archive",
]

FORMAT = "workbench-backup"
FORMAT_VERSION = 1
_COMPRESSLEVEL = 6


class ArchiveError(IntegrityError):
    """A backup file that cannot be restored as it is (corrupt, truncated, edited, foreign)."""


try:  # orjson is several times faster for 100,000 entries; json is the fallback
    import orjson

    def _dumps(data: dict[str, Any]) -> bytes:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)

    _loads = orjson.loads
    _DecodeError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover
    import json

    def _dumps(data: dict[str, Any]) -> bytes:
        return json.dumps(data, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    _loads = json.loads
    _DecodeError = (json.JSONDecodeError, UnicodeDecodeError)


@dataclass(frozen=True)
class BackupInfo:
    """A backup file and what it holds."""

    path: Path
    entries: int
    head_seq: int
    head_hash: str
    body_sha256: str
    created_at: str = ""
    source: str = ""

    def summary(self) -> str:
        return (f"{self.path.name}: {self.entries} versions, chain head #{self.head_seq} "
                f"{self.head_hash}")


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore` wrote, and what ``verify`` said about the target afterwards."""

    archive: BackupInfo
    target: str
    entries: int
    head_seq: int
    head_hash: str
    verify_summary: str
    ok: bool

    def summary(self) -> str:
        state = "verified" if self.ok else "FAILED verification"
        return (f"restored {self.entries} versions into {self.target}; chain head "
                f"#{self.head_seq} {self.head_hash} ({state}: {self.verify_summary})")


# -- writing ---------------------------------------------------------------------------------------
def backup(store: Store, path: str | Path) -> BackupInfo:
    """Write the whole chain of ``store`` to ``path`` (a gzip'd JSON-lines archive).

    The archive holds every entry up to the head read at the start (saves made meanwhile are
    not in it, and do not disturb it: the chain is append-only). It is written under a
    temporary name and renamed when complete, so a half-written file never carries the name.
    """
    import workbench
    from workbench.store import safe_url
    from workbench.store.archive import read_entries

    path = Path(path)
    if path.is_dir():
        raise NotFoundError(f"{str(path)!r} is a folder; give the backup file's name, e.g. "
                            "aims-backup.jsonl.gz")
    if not path.parent.exists():
        raise NotFoundError(f"the folder {str(path.parent)!r} does not exist; create it first")
    if path.suffix.lower() in (".zip", ".tar", ".7z"):
        raise ValidationError(f"{path.name}: a backup is a gzip file of JSON lines, not a "
                              f"{path.suffix} archive; name it e.g. {path.stem}.jsonl.gz")
    head_seq, head_hash = store.head_entry()
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "entries": head_seq,
                "head_seq": head_seq, "head_hash": head_hash, "created_at": created,
                "source": safe_url(store.url), "workbench": workbench.__version__}
    tmp = path.with_name(f".{path.name}.partial")
    body = hashlib.sha256()
    count = 0
    try:
        # the gzip header names the final file, not the temporary one
        with tmp.open("wb") as raw, gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw,
                                                  compresslevel=_COMPRESSLEVEL) as out:
            out.write(_dumps(manifest) + b"\n")
            lines: list[bytes] = []
            for entry in read_entries(store, upto=head_seq):
                line = _dumps(entry) + b"\n"
                body.update(line)
                lines.append(line)
                count += 1
                if len(lines) >= 2000:
                    out.write(b"".join(lines))
                    lines = []
            out.write(b"".join(lines))
            if count != head_seq:
                raise IntegrityError(f"the store's chain has {count} entries up to head "
                                     f"#{head_seq}: run `workbench verify`; no backup written")
            out.write(_dumps({"seal": {"entries": count, "body_sha256": body.hexdigest()}})
                      + b"\n")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return BackupInfo(path=path, entries=count, head_seq=head_seq, head_hash=head_hash,
                      body_sha256=body.hexdigest(), created_at=created,
                      source=manifest["source"])


# -- reading ---------------------------------------------------------------------------------------
def _lines(path: Path) -> Iterator[bytes]:
    """The archive's lines; a damaged or truncated gzip stream raises :class:`ArchiveError`."""
    try:
        with gzip.open(path, "rb") as fh:
            yield from fh
    except gzip.BadGzipFile as exc:
        why = str(exc)
        if why.startswith(("CRC check failed", "Incorrect length")):
            check = "CRC check failed" if why.startswith("CRC") else "length check failed"
            raise ArchiveError(f"{path.name} is damaged ({check}: its content does not match "
                               "the checksum written with it); nothing was restored: use "
                               "another copy of the backup") from None
        raise ArchiveError(f"{path.name} is not a workbench backup (not a gzip file); give the "
                           "file written by `workbench backup`") from None
    except EOFError:
        raise ArchiveError(f"{path.name} is truncated (the compressed data ends early): it "
                           "was cut short while copying or writing; use a complete copy") from None
    except (zlib.error, OSError) as exc:
        raise ArchiveError(f"{path.name} is corrupt ({exc}); use another copy of the "
                           "backup") from None


def _parse(line: bytes, what: str, name: str) -> Any:
    try:
        return _loads(line)
    except _DecodeError:
        raise ArchiveError(f"{name}: the {what} is not valid JSON; the file was damaged or "
                           "edited") from None


def _manifest(first: bytes, name: str) -> dict[str, Any]:
    manifest = _parse(first, "manifest (line 1)", name)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{name} is not a workbench backup (line 1 is not its manifest)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"{name} is a backup of format version "
                           f"{manifest.get('format_version')!r}; this workbench reads version "
                           f"{FORMAT_VERSION}: restore it with the version that wrote it")
    for key in ("entries", "head_seq"):
        if not isinstance(manifest.get(key), int):
            raise ArchiveError(f"{name}: the manifest's {key} is missing or not a number")
    if not isinstance(manifest.get("head_hash"), str):
        raise ArchiveError(f"{name}: the manifest has no head_hash")
    return manifest


def _open(path: str | Path) -> tuple[Path, Iterator[bytes], dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"no backup file {str(path)!r}")
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise ArchiveError(f"{path.name} is empty: it is not a complete backup")
    return path, lines, _manifest(first, path.name)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest (line 1) of a backup file, without checking the rest."""
    path, lines, manifest = _open(path)
    lines.close()  # type: ignore[attr-defined]
    return manifest


def _entries(path: str | Path) -> Iterator[dict[str, Any] | BackupInfo]:
    """Every entry of the archive, checked as the chain's next link, then a :class:`BackupInfo`
    once the seal and the manifest agree with what was read."""
    from workbench.store.archive import ChainCheck

    path, lines, manifest = _open(path)
    name = path.name
    body = hashlib.sha256()
    check = ChainCheck()
    seal: dict[str, Any] | None = None
    for number, line in enumerate(lines, start=2):
        if seal is not None:
            raise ArchiveError(f"{name}: line {number} follows the seal; the file was edited")
        data = _parse(line, f"line {number}", name)
        if isinstance(data, dict) and "seal" in data:
            seal = data["seal"] if isinstance(data["seal"], dict) else {}
            continue
        if not isinstance(data, dict):
            raise ArchiveError(f"{name}: line {number} is not a chain entry")
        body.update(line)
        try:
            check.add(data)
        except IntegrityError as exc:
            raise ArchiveError(f"{name}: {exc}; nothing was restored") from None
        yield data
    if seal is None:
        raise ArchiveError(f"{name} is truncated: it ends after {check.count} entries without "
                           "its seal; use a complete copy of the backup")
    if seal.get("entries") != check.count or seal.get("body_sha256") != body.hexdigest():
        raise ArchiveError(f"{name}: the entries do not match the seal (SHA-256 of the body); "
                           "the file was edited or damaged")
    if (check.count, check.head_seq, check.head_hash) != (
            manifest["entries"], manifest["head_seq"], manifest["head_hash"]):
        raise ArchiveError(
            f"{name}: the chain read ends at #{check.head_seq} {check.head_hash} after "
            f"{check.count} entries, but the manifest says #{manifest['head_seq']} "
            f"{manifest['head_hash']} after {manifest['entries']}; the file was edited")
    yield BackupInfo(path=path, entries=check.count, head_seq=check.head_seq,
                     head_hash=check.head_hash, body_sha256=body.hexdigest(),
                     created_at=str(manifest.get("created_at", "")),
                     source=str(manifest.get("source", "")))


def verify_archive(path: str | Path) -> BackupInfo:
    """Check a backup file completely (manifest, every entry and link, head, seal).

    Raises
    ------
    ArchiveError
        The file is not a complete, unaltered workbench backup; the message says what is wrong.
    """
    info = None
    for item in _entries(path):
        if isinstance(item, BackupInfo):
            info = item
    assert info is not None
    return info


# -- restoring -------------------------------------------------------------------------------------
def restore(path: str | Path, url: str) -> RestoreResult:
    """Restore a backup into the empty store at ``url`` (created if need be), verified.

    The archive is checked completely before the target is even opened; the target must hold
    no versions; every entry is inserted as it was, in one transaction; then the target is
    verified and must have the archive's head.

    Raises
    ------
    ArchiveError
        The archive is damaged, truncated or edited; nothing was written.
    StoreError
        The target already holds versions, or cannot be opened; nothing was written.
    PermissionDeniedError
        On PostgreSQL, the URL connects as a person's login instead of the store owner's.
    """
    from workbench.store import open_store, safe_url
    from workbench.store.archive import restore_entries

    info = verify_archive(path)
    target = open_store(url, create=True)
    try:
        def entries() -> Iterator[dict[str, Any]]:
            for item in _entries(path):  # read again, checked again as it is inserted
                if isinstance(item, BackupInfo):
                    if item.body_sha256 != info.body_sha256:
                        raise ArchiveError(f"{info.path.name} changed while it was being "
                                           "restored; nothing was written")
                    return
                yield item

        restore_entries(target, entries())
        report = target.verify()
        head = (report.head_seq, report.head_hash)
        ok = report.ok and head == (info.head_seq, info.head_hash)
        return RestoreResult(archive=info, target=safe_url(target.url), entries=report.entries,
                             head_seq=report.head_seq, head_hash=report.head_hash,
                             verify_summary=report.summary(), ok=ok)
    finally:
        target.close()
