"""Twelve ways to tamper with the store's history, each caught by ``workbench verify`` (the hash
chain and the authorship check) or, where only an outside record can tell, by ``verify
--anchors``. Each case says whether it needs the anchor.

The tampering is done the way someone holding the database could: SQL on the table (on
PostgreSQL with the append-only triggers disabled first, as the table's owner could).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from tamper import forge_append, tamper

from workbench import anchors
from workbench.model import Person
from workbench.store import canonical_json, content_hash
from workbench.store._hashing import entry_hash
from workbench.store._tables import record_versions as T


@pytest.fixture
def chain(store, tmp_path):
    """Twenty people saved one by one, anchored after the fifteenth and at the end (as a
    scheduled `workbench anchor` after each day's work would)."""
    for n in range(20):
        store.save(Person(id=f"p{n:02d}", name=f"Person {n}", roles=["viewer"]))
        if n in (14, 19):
            anchors.record_anchor(store, tmp_path / "anchors")
    store.anchor_file = tmp_path / "anchors"
    store.anchored = anchors.read_anchors(store.anchor_file)[0].seq
    return store


def _rows(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(T).order_by(T.c.seq)).all()


def _rechain(store, start: int) -> None:
    """Recompute every entry hash from ``start`` on, as a forger covering their tracks would."""
    rows = _rows(store)
    prev = next(r.entry_hash for r in rows if r.seq == start - 1)
    for row in (r for r in rows if r.seq >= start):
        h = entry_hash(prev_hash=prev, seq=row.seq, kind=row.kind, record_id=row.record_id,
                       version=row.version, author=row.author, saved_at=row.saved_at,
                       reason=row.reason, content_hash=row.content_hash)
        tamper(store, "UPDATE record_versions SET prev_hash = :p, entry_hash = :h WHERE seq = :s",
               p=prev, h=h, s=row.seq)
        prev = h


def _forged_person(store, seq: int) -> tuple[str, str]:
    row = next(r for r in _rows(store) if r.seq == seq)
    data = json.loads(row.content) | {"roles": ["admin"]}
    return canonical_json(data), content_hash(data)


def alter_payload(store):
    tamper(store, "UPDATE record_versions SET content = replace(content, 'viewer', 'admin') "
           "WHERE seq = :s", s=store.anchored - 5)


def alter_content_hash(store):
    text, digest = _forged_person(store, store.anchored - 5)
    tamper(store, "UPDATE record_versions SET content = :c, content_hash = :h WHERE seq = :s",
           c=text, h=digest, s=store.anchored - 5)


def alter_entry_hash(store):
    tamper(store, "UPDATE record_versions SET entry_hash = :h WHERE seq = :s", h="e" * 64,
           s=store.anchored - 5)


def alter_author(store):
    tamper(store, "UPDATE record_versions SET author = 'mallory' WHERE seq = :s",
           s=store.anchored - 5)


def delete_middle(store):
    tamper(store, "DELETE FROM record_versions WHERE seq = :s", s=store.anchored - 5)


def delete_latest(store):
    tamper(store, "DELETE FROM record_versions WHERE seq = (SELECT max(seq) FROM "
           "record_versions)")


def delete_last_ten(store):
    head = store.head()
    tamper(store, "DELETE FROM record_versions WHERE seq > :s", s=head - 10)


def reorder(store):
    a, b = store.anchored - 6, store.anchored - 5
    tamper(store, "UPDATE record_versions SET seq = -1 WHERE seq = :a", a=a)
    tamper(store, "UPDATE record_versions SET seq = :a WHERE seq = :b", a=a, b=b)
    tamper(store, "UPDATE record_versions SET seq = :b WHERE seq = -1", b=b)


def insert(store):
    """A forged version slipped into the middle, later entries renumbered to make room."""
    at = store.anchored - 5
    rows = [r for r in _rows(store) if r.seq >= at]
    for row in reversed(rows):
        tamper(store, "UPDATE record_versions SET seq = :n WHERE seq = :s", n=row.seq + 1,
               s=row.seq)
    text, digest = _forged_person(store, at + 1)
    base = rows[0]
    tamper(store, "INSERT INTO record_versions (seq, kind, record_id, version, author, "
           "saved_at, reason, content, content_hash, prev_hash, entry_hash) VALUES (:s, "
           "'person', 'mallory', 1, 'tester', :t, 'create', :c, :h, :p, :e)",
           s=at, t=base.saved_at, c=text.replace(base.record_id, "mallory"),
           h=content_hash(json.loads(text.replace(base.record_id, "mallory"))),
           p=base.prev_hash, e="f" * 64)


def rewrite_and_rechain(store):
    """An old version rewritten, and every hash after it recomputed: the chain is consistent."""
    at = store.anchored - 5
    text, digest = _forged_person(store, at)
    tamper(store, "UPDATE record_versions SET content = :c, content_hash = :h WHERE seq = :s",
           c=text, h=digest, s=at)
    _rechain(store, at)


def forged_append(store):
    """A valid-looking version appended by someone who is not a person of the store."""
    forge_append(store, Person(id="mallory", name="Mallory", roles=["admin"]),
                 author="mallory")


def truncate_after_an_anchor(store):
    """Everything from the anchored entry on removed, then new history forged in its place."""
    tamper(store, "DELETE FROM record_versions WHERE seq >= :s", s=store.anchored)
    for n in range(3):
        forge_append(store, Person(id=f"forged{n}", name="Forged", roles=["admin"]),
                     author="tester")


#: (tampering, needs an anchor to be caught)
CASES = [
    (alter_payload, False), (alter_content_hash, False), (alter_entry_hash, False),
    (alter_author, False), (delete_middle, False), (delete_latest, True),
    (delete_last_ten, True), (reorder, False), (insert, False), (rewrite_and_rechain, True),
    (forged_append, False), (truncate_after_an_anchor, True),
]


@pytest.mark.parametrize(("tampering", "needs_anchor"), CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_tampering_is_caught(chain, tampering, needs_anchor):
    assert chain.verify().ok and anchors.verify_anchors(chain, chain.anchor_file).ok
    tampering(chain)
    report = chain.verify()
    check = anchors.verify_anchors(chain, chain.anchor_file)
    caught_by_chain = not report.ok
    caught_by_anchor = not check.ok
    assert caught_by_chain or caught_by_anchor, (report.summary(), check.summary())
    # the ones that need an anchor pass the chain check alone: that is why anchors exist
    assert caught_by_chain is not needs_anchor, report.summary()
    if needs_anchor:
        assert caught_by_anchor, check.summary()


def test_cli_verify_with_anchors_fails_on_a_truncated_store(chain, capsys):
    from workbench.cli import main

    url = chain.url
    assert main(["--database-url", url, "verify", "--anchors", str(chain.anchor_file)]) == 0
    assert "anchors ok: 2 anchors" in capsys.readouterr().out
    delete_last_ten(chain)
    assert main(["--database-url", url, "verify"]) == 0  # the chain alone looks fine
    capsys.readouterr()
    assert main(["--database-url", url, "verify", "--anchors", str(chain.anchor_file)]) == 1
    out = capsys.readouterr().out
    assert "anchors FAILED" in out and "entries were removed from the end" in out


def test_expect_head_accepts_growth_and_catches_removal(chain, capsys):
    from workbench.cli import main

    seq, head = chain.head_entry()
    chain.save(Person(id="late", name="Late"))
    assert main(["--database-url", chain.url, "verify", "--expect-head", head]) == 0
    assert f"expected head found at #{seq}; 1 entries saved since" in capsys.readouterr().out
    delete_last_ten(chain)
    assert main(["--database-url", chain.url, "verify", "--expect-head", head]) == 1
    assert "is not in the chain" in capsys.readouterr().out


def test_signed_anchors_catch_a_forged_anchor_file(store, tmp_path):
    key, public = anchors.generate_key(tmp_path / "anchor-key")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    store.save(Person(id="a", name="A"))
    path = tmp_path / "anchors"
    first = anchors.record_anchor(store, path, key=key)
    assert first.sig and first.key
    store.save(Person(id="b", name="B"))
    anchors.record_anchor(store, path, key=key)
    check = anchors.verify_anchors(store, path, public_key=public)
    assert check.ok and check.signed == 2, check.summary()
    # someone rewrites history and edits the anchor file to match: the signature breaks
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0]) | {"head": "d" * 64}
    path.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    check = anchors.verify_anchors(store, path, public_key=public)
    assert not check.ok and "invalid signature" in check.problems[0]
    # an unsigned anchor added to the file is refused when a key is required
    path.write_text("\n".join(lines) + "\n" + json.dumps(
        {"seq": 1, "head": "0" * 64, "at": "2026-01-01T00:00:00+00:00"}) + "\n")
    check = anchors.verify_anchors(store, path, public_key=public)
    assert not check.ok and "is not signed" in check.problems[0]


def test_bad_anchor_files_are_one_line_errors(store, tmp_path):
    from workbench.errors import ValidationError

    with pytest.raises(ValidationError, match="no anchor file at"):
        anchors.verify_anchors(store, tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text("not json\n")
    with pytest.raises(ValidationError, match="bad, line 1: not an anchor"):
        anchors.read_anchors(bad)
    with pytest.raises(ValidationError, match="empty"):
        anchors.record_anchor(_empty(tmp_path), tmp_path / "a")


def _empty(tmp_path):
    from workbench.store import open_store

    return open_store(f"sqlite:///{tmp_path / 'empty.db'}")
