"""Backup and restore: every version as it was, across SQLite and PostgreSQL, and nothing written
from a damaged archive."""

from __future__ import annotations

import gzip
import json

import pytest

from workbench.cli import main
from workbench.errors import PermissionDeniedError, StoreError
from workbench.interop import backup
from workbench.store import open_store


def _rows(store) -> list[tuple]:
    from workbench.store.archive import read_entries

    return [tuple(e.values()) for e in read_entries(store)]


def test_demo_store_round_trip_through_postgresql_and_back(demo_store, pg_url, tmp_path):
    archive = backup.backup(demo_store, tmp_path / "demo.jsonl.gz")
    head = demo_store.head_entry()
    assert (archive.entries, archive.head_seq, archive.head_hash) == (head[0], *head)
    result = backup.restore(archive.path, pg_url)
    assert result.ok, result.summary()
    assert (result.head_seq, result.head_hash) == head
    with open_store(pg_url, create=False) as pg:
        assert pg.dialect == "postgresql"
        assert _rows(pg) == _rows(demo_store)  # authors, times, reasons, hashes, seq: all kept
        assert pg.verify().ok
        again = backup.backup(pg, tmp_path / "from-pg.jsonl.gz")
    assert again.body_sha256 == archive.body_sha256
    back = backup.restore(again.path, f"sqlite:///{tmp_path / 'back.db'}")
    assert back.ok and (back.head_seq, back.head_hash) == head, back.summary()


def test_restore_refuses_a_store_that_holds_anything(store, demo_store, tmp_path):
    from workbench.store import safe_url

    archive = backup.backup(demo_store, tmp_path / "demo.jsonl.gz")
    before = store.head_entry()
    with pytest.raises(StoreError) as caught:
        backup.restore(archive.path, store.url)
    assert str(caught.value).startswith(f"{safe_url(store.url)} is not empty (it holds 2 "
                                        "versions): a restore goes only into an empty store")
    assert store.head_entry() == before


def test_a_backup_is_named_as_what_it_is(demo_store, tmp_path):
    from workbench.errors import ValidationError

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationError, match=r"b.zip: a backup is a gzip file of JSON lines, "
                       r"not a .zip archive; name it e.g. b.jsonl.gz"):
        backup.backup(demo_store, out / "b.zip")
    assert list(out.iterdir()) == []
    path = backup.backup(demo_store, out / "aims.jsonl.gz").path
    raw = path.read_bytes()  # the gzip header's file name (FNAME) is the final one
    assert raw[10:raw.index(b"\0", 10)] == b"aims.jsonl"


def _rewrite(src, dst, edit) -> None:
    with gzip.open(src, "rb") as fh:
        lines = fh.read().splitlines(keepends=True)
    with gzip.open(dst, "wb") as fh:
        fh.write(b"".join(edit(lines)))


def _refused(path, target, message: str) -> None:
    with pytest.raises(backup.ArchiveError) as caught:
        backup.restore(path, f"sqlite:///{target}")
    assert message in str(caught.value), str(caught.value)
    assert not target.exists()  # checked before the target was even opened


def test_a_truncated_archive_is_refused_and_nothing_written(demo_store, tmp_path):
    archive = backup.backup(demo_store, tmp_path / "demo.jsonl.gz")
    data = archive.path.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    _refused(cut, tmp_path / "t1.db", "cut.jsonl.gz is truncated (the compressed data ends "
             "early)")
    no_seal = tmp_path / "noseal.jsonl.gz"
    _rewrite(archive.path, no_seal, lambda lines: lines[:-1])
    _refused(no_seal, tmp_path / "t2.db", f"noseal.jsonl.gz is truncated: it ends after "
             f"{archive.entries} entries without its seal")
    short = tmp_path / "short.jsonl.gz"
    _rewrite(archive.path, short, lambda lines: [*lines[:-3], lines[-1]])
    _refused(short, tmp_path / "t3.db", "the entries do not match the seal")


def test_an_archive_whose_chain_was_edited_is_refused(demo_store, tmp_path):
    archive = backup.backup(demo_store, tmp_path / "demo.jsonl.gz")

    def new_author(lines):
        entry = json.loads(lines[5])
        entry["author"] = "mallory"
        return [*lines[:5], (json.dumps(entry) + "\n").encode(), *lines[6:]]

    edited = tmp_path / "edited.jsonl.gz"
    _rewrite(archive.path, edited, new_author)
    _refused(edited, tmp_path / "t1.db", "entry #5 (person 'ben' version 1): its author, "
             "time, reason or version was altered")

    def new_content(lines):
        entry = json.loads(lines[3])
        entry["content"] = entry["content"].replace(":", ": ", 1)  # same record, other bytes
        return [*lines[:3], (json.dumps(entry) + "\n").encode(), *lines[4:]]

    content = tmp_path / "content.jsonl.gz"
    _rewrite(archive.path, content, new_content)
    _refused(content, tmp_path / "t2.db", "its content does not match its hash")

    def drop_one(lines):
        return [*lines[:10], *lines[11:]]

    gap = tmp_path / "gap.jsonl.gz"
    _rewrite(archive.path, gap, drop_one)
    _refused(gap, tmp_path / "t3.db", "entry #11 follows entry #9: entries are missing")
    foreign = tmp_path / "foreign.jsonl.gz"
    foreign.write_bytes(b"just text")
    _refused(foreign, tmp_path / "t4.db", "not a workbench backup (not a gzip file)")


def test_cli_backup_check_and_restore(demo_url, demo_store, tmp_path, capsys):
    out = tmp_path / "b.jsonl.gz"
    seq, head = demo_store.head_entry()
    assert main(["--database-url", demo_url, "backup", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"wrote {out}: {seq} versions, chain head #{seq} {head}")
    assert main(["restore", str(out), "--check"]) == 0
    assert capsys.readouterr().out.strip() == (f"ok: b.jsonl.gz: {seq} versions, chain head "
                                               f"#{seq} {head}")
    target = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["restore", str(out), "--into", target]) == 0
    assert capsys.readouterr().out.startswith(f"restored {seq} versions into {target}; chain "
                                              f"head #{seq} {head} (verified: ok:")
    assert main(["--database-url", target, "verify"]) == 0
    assert main(["restore", str(out), "--into", target]) == 1
    assert "is not empty" in capsys.readouterr().err


@pytest.mark.postgres
def test_restore_into_postgresql_needs_the_store_owner(demo_store, pg_url, pg_admin_engine,
                                                       tmp_path):
    import uuid

    import sqlalchemy as sa

    archive = backup.backup(demo_store, tmp_path / "demo.jsonl.gz")
    with open_store(pg_url) as owner:
        from workbench.store import team

        groups = team.setup(owner)
        login = f"nadia_{uuid.uuid4().hex[:6]}"
        team.create_login(owner, login)
    person_url = sa.engine.make_url(pg_url).set(username=login).render_as_string(
        hide_password=False)
    try:
        with pytest.raises(PermissionDeniedError, match="run it with the store owner's "
                           "connection"):
            backup.restore(archive.path, person_url)
        with open_store(pg_url, create=False) as owner:
            assert owner.head() == 0
    finally:
        with pg_admin_engine.begin() as conn:
            for role in (login, groups.person, groups.admin):
                quoted = conn.dialect.identifier_preparer.quote_identifier(role)
                conn.execute(sa.text(f"DROP OWNED BY {quoted}"))
                conn.execute(sa.text(f"DROP ROLE IF EXISTS {quoted}"))
