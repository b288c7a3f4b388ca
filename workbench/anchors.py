"""Anchors: points of the store's history recorded outside the database.

The hash chain proves that no entry was altered *relative to the entries after it*; someone
with write access to the database can still cut the tail off, or rewrite history and recompute
every hash after the change. An anchor, a ``(seq, head hash, time)`` kept somewhere the database
cannot reach (a file on another system, a report, an export), pins the chain: ``workbench verify
--anchors FILE`` checks that each anchored entry is still in the chain with the same hash, so a
truncation, a rewrite-and-rechain or forged history *before* an anchor is caught.

Anchors may be signed with an Ed25519 key (:func:`generate_key`), so that the anchor file
cannot be forged either: whoever verifies holds only the public key.

The file holds one JSON object per line (append-only, easy to ship elsewhere)::

    {"seq": 148, "head": "1a70…", "at": "2026-12-06T18:00:00+00:00", "store": "sqlite:///…",
     "key": "5f1c…", "sig": "…"}
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigurationError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = [
    "ANCHOR_FILE_ENV",
    "ANCHOR_KEY_ENV",
    "Anchor",
    "AnchorCheck",
    "default_anchor_file",
    "generate_key",
    "read_anchors",
    "record_anchor",
    "verify_anchors",
]

#: Environment variables naming the anchor file and the signing key.
ANCHOR_FILE_ENV = "WORKBENCH_ANCHOR_FILE"
ANCHOR_KEY_ENV = "WORKBENCH_ANCHOR_KEY"


@dataclass(frozen=True)
class Anchor:
    """One recorded point of the chain."""

    seq: int
    head: str
    at: str
    store: str = ""
    key: str = ""
    sig: str = ""

    def payload(self) -> bytes:
        """The bytes a signature covers: everything but the key and the signature."""
        return json.dumps({"seq": self.seq, "head": self.head, "at": self.at,
                           "store": self.store}, sort_keys=True,
                          separators=(",", ":")).encode()

    def line(self) -> str:
        data = {"seq": self.seq, "head": self.head, "at": self.at, "store": self.store}
        if self.sig:
            data |= {"key": self.key, "sig": self.sig}
        return json.dumps(data, sort_keys=True)


@dataclass
class AnchorCheck:
    """What :func:`verify_anchors` found: ``ok`` when every anchor is still in the chain."""

    anchors: int = 0
    signed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            signed = f", {self.signed} signed" if self.signed else ""
            return f"anchors ok: {self.anchors} anchor{'s' if self.anchors != 1 else ''}{signed}"
        return f"anchors FAILED: {self.problems[0]}"


def default_anchor_file(store: Store | None = None) -> Path:
    """``WORKBENCH_ANCHOR_FILE``, else ``<sqlite file>.anchors``, else ``workbench.anchors``."""
    configured = os.environ.get(ANCHOR_FILE_ENV, "").strip()
    if configured:
        return Path(configured)
    if store is not None and store.dialect == "sqlite":
        from workbench.store import _engine

        path = _engine.sqlite_path(_engine.parse_url(store.url))
        if path is not None:
            return path.with_name(path.name + ".anchors")
    return Path("workbench.anchors")


# -- keys ------------------------------------------------------------------------------------------
def _key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def generate_key(private_path: str | Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: the private key (PEM, mode 600) and ``<name>.pub``.

    Keep the private key where anchors are made (e.g. the scheduler) and give the public key
    to whoever verifies. Refuses to overwrite an existing key.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path = Path(private_path)
    public_path = private_path.with_name(private_path.name + ".pub")
    for p in (private_path, public_path):
        if p.exists():
            raise ValidationError(f"{p} exists already; remove it or choose another path")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def _load_private(path: str | Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot read the anchor signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return key


def _load_public(path: str | Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot read the anchor public key {path}: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigurationError(f"{path} is not an Ed25519 public key")
    return key


def _raw_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# -- recording and reading -------------------------------------------------------------------------
def record_anchor(store: Store, path: str | Path | None = None, *,
                  key: str | Path | None = None) -> Anchor:
    """Append the store's current head to the anchor file (signed when ``key`` is given, or
    ``WORKBENCH_ANCHOR_KEY`` names a key).

    Raises
    ------
    ValidationError
        The store is empty (there is nothing to anchor).
    """
    from workbench.store import safe_url

    seq, head = store.head_entry()
    if seq == 0:
        raise ValidationError("the store is empty: there is no history to anchor yet")
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    anchor = Anchor(seq=seq, head=head, at=at, store=safe_url(store.url))
    key = key or os.environ.get(ANCHOR_KEY_ENV, "").strip() or None
    if key is not None:
        private = _load_private(key)
        signature = private.sign(anchor.payload())
        anchor = Anchor(seq=seq, head=head, at=at, store=anchor.store,
                        key=_key_id(_raw_public(private.public_key())),
                        sig=base64.b64encode(signature).decode())
    target = Path(path) if path is not None else default_anchor_file(store)
    if not target.parent.exists():
        raise ConfigurationError(f"the folder of the anchor file {str(target)!r} does not exist")
    with target.open("a", encoding="utf-8") as fh:
        fh.write(anchor.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def read_anchors(path: str | Path) -> list[Anchor]:
    """The anchors of a file; a malformed line is a one-line :class:`ValidationError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"no anchor file at {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read the anchor file {str(path)!r}: {exc}") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchor = Anchor(seq=int(data["seq"]), head=str(data["head"]), at=str(data["at"]),
                            store=str(data.get("store", "")), key=str(data.get("key", "")),
                            sig=str(data.get("sig", "")))
        except (ValueError, KeyError, TypeError):
            raise ValidationError(f"{path.name}, line {number}: not an anchor (expected JSON "
                                  "with seq, head and at)") from None
        if anchor.seq < 1 or len(anchor.head) != 64:
            raise ValidationError(f"{path.name}, line {number}: not an anchor (seq must be a "
                                  "positive integer and head a SHA-256)")
        out.append(anchor)
    if not out:
        raise ValidationError(f"the anchor file {str(path)!r} holds no anchors")
    return out


def verify_anchors(store: Store, path: str | Path, *,
                   public_key: str | Path | None = None) -> AnchorCheck:
    """Check every anchor of ``path`` against the store's chain.

    With ``public_key``, every anchor must also carry a valid signature by that key (an
    unsigned or wrongly signed anchor is a problem: the file may have been forged).
    """
    from cryptography.exceptions import InvalidSignature

    anchors = read_anchors(path)
    check = AnchorCheck(anchors=len(anchors))
    verifier = _load_public(public_key) if public_key is not None else None
    key_id = _key_id(_raw_public(verifier)) if verifier is not None else ""
    head_seq, _ = store.head_entry()
    stored = store.entry_hashes(a.seq for a in anchors)
    for anchor in anchors:
        where = f"anchor #{anchor.seq} of {anchor.at}"
        if verifier is not None:
            if not anchor.sig:
                check.problems.append(f"{where} is not signed, but a public key was given: "
                                      "the anchor file may have been forged")
                continue
            try:
                verifier.verify(base64.b64decode(anchor.sig), anchor.payload())
            except (InvalidSignature, ValueError):
                if anchor.key and anchor.key != key_id:
                    check.problems.append(
                        f"{where} was signed with another key (key {anchor.key}, given "
                        f"{key_id}): give the public key that signed the anchors")
                else:
                    check.problems.append(
                        f"{where} has an invalid signature (key {anchor.key or '?'}, expected "
                        f"{key_id}): the anchor file was altered")
                continue
            check.signed += 1
        if anchor.seq > head_seq:
            check.problems.append(
                f"{where}: the chain ends at #{head_seq}, before the anchored entry: entries "
                "were removed from the end of the store")
        elif anchor.seq not in stored:
            check.problems.append(f"{where}: entry #{anchor.seq} is missing: entries were "
                                  "removed from the store")
        elif stored[anchor.seq] != anchor.head:
            check.problems.append(
                f"{where}: entry #{anchor.seq} has hash {stored[anchor.seq][:12]}…, not the "
                f"anchored {anchor.head[:12]}…: history up to it was rewritten")
    return check
