"""Data in and out at scale, each against its plain floor measured in the same run.

1. Excel: ``export_workbook`` of 25,000 risks against openpyxl (write-only mode) writing the
   same cells; ``import_workbook`` of that workbook (every cell read and validated, conflicts
   and references checked; an unchanged import saves nothing) against openpyxl (read-only
   mode) reading the same cells.
2. Backup and restore of a 100,000-version store: ``backup`` against ``sqlite3``'s
   ``Connection.backup`` of the same database; ``restore`` (archive checked, every entry
   inserted and re-checked, then ``verify``) against ``Connection.backup`` into a new file;
   with ``--pg-url`` (or ``WORKBENCH_TEST_DATABASE_URL``) and ``pg_dump`` on the PATH also
   ``backup``/``restore`` on PostgreSQL against ``pg_dump -Fc`` / ``pg_restore`` of the same
   database.

Medians of ``--runs`` runs, interleaved. Usage:
    python benchmarks/bench_interop.py [--runs 3] [--risks 25000] [--versions 100000] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, report, time_call

PEOPLE = [f"owner-{i:02d}" for i in range(20)]


def _bench_store(url: str):
    from workbench.model import Person, Role
    from workbench.store import open_store

    store = open_store(url)
    first = store.bootstrap("bench", name="Benchmark")
    store.save(Person(id="bench", name="Benchmark", roles=[r.value for r in Role]),
               base_version=first.version, reason="every role")
    return store


def seed_risks(url: str, n: int):
    from bench_risk import _risks

    from workbench.model import AISystem, Person

    store = _bench_store(url)
    store.save_many([(Person(id=p, name=p, roles=["owner"]), None) for p in PEOPLE])
    systems = [f"system-{i:04d}" for i in range(1000)]
    store.save_many([(AISystem(
        id=s, name=f"System {s}", purpose="benchmark", owner=PEOPLE[i % 20],
        business_unit=f"Unit {i % 12}", lifecycle_stage="operate", org_roles=["provider"],
        technique="GBM", technique_family="classical_ml", automation_level="partial",
        oversight_mode="on_the_loop"), None) for i, s in enumerate(systems)])
    records = list(_risks(n, systems))
    store.save_many([(r, None) for r in records])
    return store


def bench_excel(tmp: Path, n: int, runs: int) -> None:
    from openpyxl import Workbook, load_workbook

    from workbench.interop import excel
    from workbench.interop._cells import columns_for
    from workbench.model import model_for

    store = seed_risks(f"sqlite:///{tmp / 'risks.db'}", n)
    path = tmp / "risks.xlsx"
    columns = columns_for(model_for("risk"))
    versions = store.latest("risk")
    cells = [[c.to_cell(v.content.get(c.name)) for c in columns]
             + [v.version, v.author, v.saved_at.strftime("%Y-%m-%d %H:%M UTC")]
             for v in versions]
    header = [c.label for c in columns] + ["_version", "_saved_by", "_saved_at"]

    def floor_write() -> float:
        def work() -> None:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("risk")
            ws.append(header)
            for row in cells:
                ws.append(row)
            wb.save(tmp / "floor.xlsx")
        return time_call(work)

    def export() -> float:
        return time_call(lambda: excel.export_workbook(store, path, "risk"))

    samples = interleaved({f"export_workbook [{n:,} risks]": export,
                           "openpyxl write-only, same cells": floor_write}, runs=runs)
    report("Excel export", f"export_workbook [{n:,} risks]", "openpyxl write-only, same cells",
           samples, "context: ratio printed")

    def floor_read() -> float:
        def work() -> None:
            wb = load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    pass
            wb.close()
        return time_call(work)

    head = store.head()

    def imported() -> float:
        took = time_call(lambda: excel.import_workbook(store, path))
        assert store.head() == head
        return took

    samples = interleaved({f"import_workbook [{n:,} risks, unchanged]": imported,
                           "openpyxl read-only, same cells": floor_read}, runs=runs, warmup=0)
    report("Excel import (read, validate every cell, conflicts, references)",
           f"import_workbook [{n:,} risks, unchanged]", "openpyxl read-only, same cells",
           samples, "context: ratio printed")
    store.close()


def _chain(n: int):
    """``n`` chain entries: the first admin, then evidence records with 5 versions each."""
    from workbench.store import canonical_json
    from workbench.store._hashing import GENESIS, entry_hash, sha256_text

    prev = GENESIS
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for seq in range(1, n + 1):
        if seq == 1:
            kind, rid, version = "person", "bench", 1
            content = {"id": "bench", "name": "Benchmark", "email": "", "job_title": "",
                       "business_unit": "", "roles": ["admin"], "active": True}
        else:
            kind, rid, version = "evidence", f"ev-{(seq - 2) // 5:06d}", (seq - 2) % 5 + 1
            content = {"id": rid, "title": f"Validation run {seq}", "evidence_kind":
                       "test_result", "description": "Nightly validation of ranking quality "
                       "by segment, with thresholds and the data snapshot it used.",
                       "uri": f"https://evidence.example/runs/{seq}", "content_hash": "",
                       "collected_by": "bench", "collected_at": "2026-01-01T00:00:00+00:00",
                       "expires_at": None, "control_ids": ["A.6.2.4"], "clause_ids": [],
                       "system_ids": [], "links": [], "details": {"auc": seq % 100 / 100}}
        text = canonical_json(content)
        chash = sha256_text(text)
        at = (start + dt.timedelta(seconds=seq)).isoformat(timespec="microseconds")
        reason = "create" if version == 1 else "edit"
        ehash = entry_hash(prev_hash=prev, seq=seq, kind=kind, record_id=rid, version=version,
                           author="bench", saved_at=at, reason=reason, content_hash=chash)
        yield {"seq": seq, "kind": kind, "record_id": rid, "version": version,
               "author": "bench", "saved_at": at, "reason": reason, "content": text,
               "content_hash": chash, "prev_hash": prev, "entry_hash": ehash}
        prev = ehash


def bench_backup_sqlite(tmp: Path, n: int, runs: int) -> Path:
    from workbench.interop import backup
    from workbench.store import open_store
    from workbench.store.archive import restore_entries

    src = tmp / "big.db"
    with open_store(f"sqlite:///{src}") as store:
        restore_entries(store, _chain(n))
        assert store.head() == n
    archive = tmp / "big.jsonl.gz"
    store = open_store(f"sqlite:///{src}", create=False)

    def ours() -> float:
        return time_call(lambda: backup.backup(store, archive))

    def floor() -> float:
        def work() -> None:
            target = tmp / "copy.db"
            target.unlink(missing_ok=True)
            with sqlite3.connect(src) as a, sqlite3.connect(target) as b:
                a.backup(b)
        return time_call(work)

    samples = interleaved({f"backup [{n:,} versions, SQLite]": ours,
                           "sqlite3 Connection.backup": floor}, runs=runs)
    report("backup", f"backup [{n:,} versions, SQLite]", "sqlite3 Connection.backup", samples,
           "context: ratio printed")
    print(f"  archive {archive.stat().st_size / 1e6:.1f} MB, database "
          f"{src.stat().st_size / 1e6:.1f} MB\n")

    def restored() -> float:
        target = tmp / "restored.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        result = None

        def work() -> None:
            nonlocal result
            result = backup.restore(archive, f"sqlite:///{target}")
        took = time_call(work)
        assert result is not None and result.ok and result.head_seq == n, result
        return took

    def floor_restore() -> float:
        def work() -> None:
            target = tmp / "copy-back.db"
            target.unlink(missing_ok=True)
            with sqlite3.connect(tmp / "copy.db") as a, sqlite3.connect(target) as b:
                a.backup(b)
        return time_call(work)

    samples = interleaved({f"restore + verify [{n:,} versions, SQLite]": restored,
                           "sqlite3 Connection.backup into a new file": floor_restore},
                          runs=runs, warmup=0)
    report("restore (archive checked, entries inserted and re-checked, verify)",
           f"restore + verify [{n:,} versions, SQLite]",
           "sqlite3 Connection.backup into a new file", samples, "context: ratio printed")
    store.close()
    return archive


def bench_backup_pg(tmp: Path, archive: Path, n: int, runs: int, pg_url: str) -> None:
    import sqlalchemy as sa

    from workbench.interop import backup
    from workbench.store import open_store
    from workbench.store._engine import parse_url

    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        print("pg_dump/pg_restore not on the PATH: PostgreSQL floor skipped\n")
        return
    admin = sa.create_engine(parse_url(pg_url), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new_db() -> str:
        name = f"wb_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        made.append(name)
        return sa.engine.make_url(pg_url).set(database=name).render_as_string(
            hide_password=False)

    def plain(url: str) -> str:  # libpq URL for pg_dump / pg_restore
        return url.replace("postgresql+psycopg://", "postgresql://")

    try:
        source = new_db()
        result = backup.restore(archive, source)
        assert result.ok, result.summary()
        store = open_store(source, create=False)
        dump = tmp / "pg.dump"

        def ours_backup() -> float:
            return time_call(lambda: backup.backup(store, tmp / "pg.jsonl.gz"))

        def pg_dump() -> float:
            return time_call(lambda: subprocess.run(
                ["pg_dump", "-Fc", "-f", str(dump), plain(source)], check=True))

        samples = interleaved({f"backup [{n:,} versions, PostgreSQL]": ours_backup,
                               "pg_dump -Fc of the same database": pg_dump}, runs=runs)
        report("backup, PostgreSQL", f"backup [{n:,} versions, PostgreSQL]",
               "pg_dump -Fc of the same database", samples, "context: ratio printed")

        def ours_restore() -> float:
            target = new_db()
            took = time_call(lambda: backup.restore(tmp / "pg.jsonl.gz", target))
            return took

        def pg_restore() -> float:
            target = new_db()
            return time_call(lambda: subprocess.run(
                ["pg_restore", "--no-owner", "-d", plain(target), str(dump)], check=True))

        samples = interleaved({f"restore + verify [{n:,} versions, PostgreSQL]": ours_restore,
                               "pg_restore of that dump into a new database": pg_restore},
                              runs=runs, warmup=0)
        report("restore, PostgreSQL (the insert trigger checks every link again)",
               f"restore + verify [{n:,} versions, PostgreSQL]",
               "pg_restore of that dump into a new database", samples,
               "context: ratio printed")
        store.close()
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--risks", type=int, default=25_000)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--pg-url", default=os.environ.get("WORKBENCH_TEST_DATABASE_URL", ""))
    parser.add_argument("--skip-excel", action="store_true")
    args = parser.parse_args()
    os.environ["WORKBENCH_USER"] = "bench"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_excel:
            bench_excel(tmp, args.risks, args.runs)
        archive = bench_backup_sqlite(tmp, args.versions, args.runs)
        if args.pg_url:
            bench_backup_pg(tmp, archive, args.versions, args.runs, args.pg_url)
        else:
            print("no --pg-url (or WORKBENCH_TEST_DATABASE_URL): PostgreSQL part skipped")


if __name__ == "__main__":
    main()
