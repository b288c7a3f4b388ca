"""Canonical JSON and the hashes of the store's chain (standard library only)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept as is; an infinite or NaN
    number is a ``ValueError`` (JSON has none, and no reader of the store would parse it)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(content: dict[str, Any]) -> str:
    """The SHA-256 of a record's canonical JSON; what a sign-off binds to."""
    return sha256_text(canonical_json(content))


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    kind: str,
    record_id: str,
    version: int,
    author: str,
    saved_at: str,
    reason: str,
    content_hash: str,
) -> str:
    """The hash of one chain entry: its metadata, its content hash and the previous entry."""
    return sha256_text(
        canonical_json(
            {
                "prev": prev_hash,
                "seq": seq,
                "kind": kind,
                "id": record_id,
                "version": version,
                "author": author,
                "saved_at": saved_at,
                "reason": reason,
                "content_hash": content_hash,
            }
        )
    )
