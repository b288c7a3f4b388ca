"""The PostgreSQL team store enforces the rules in the database, for people connected with their
own login: versions are append-only, the author is the login, only admins write people and
roles, and a sign-off inserted around the library never counts.

Two non-admin logins (ravi, a contributor; grace, a system owner) and an admin (chloe) connect
as themselves; the store owner's connection sets the store up, as ``workbench init`` does.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from actors import acting
from tamper import forge_append

from workbench import oversight
from workbench.errors import PermissionDeniedError, StoreError
from workbench.model import AISystem, Person
from workbench.oversight.model import SignOff
from workbench.store import open_store, team

pytestmark = pytest.mark.postgres


def _login_url(url: str, login: str) -> str:
    return sa.engine.make_url(url).set(username=login).render_as_string(hide_password=False)


@pytest.fixture
def team_store(pg_url, pg_admin_engine):
    """A team store with three person logins; yields (owner store, {name: login}, url)."""
    tag = uuid.uuid4().hex[:8]
    logins = {name: f"{name}_{tag}" for name in ("chloe", "ravi", "grace", "elena")}
    owner = open_store(pg_url)
    groups = team.setup(owner)
    with acting(logins["chloe"]):
        owner.bootstrap(logins["chloe"], name="Chloe")
        owner.save_many([
            (Person(id=logins["chloe"], name="Chloe", roles=["admin", "governance_lead"]), 1),
            (Person(id=logins["ravi"], name="Ravi", roles=["contributor"]), None),
            (Person(id=logins["grace"], name="Grace", roles=["owner"]), None),
            (Person(id=logins["elena"], name="Elena", roles=["executive"]), None)])
        owner.save(AISystem(
            id="credit", name="Credit scoring", purpose="Score applicants",
            owner=logins["grace"], team=[logins["ravi"]], business_unit="Money",
            lifecycle_stage="operate", org_roles=["provider"], technique="GBM",
            technique_family="classical_ml", automation_level="partial",
            oversight_mode="in_the_loop"))
    for name, login in logins.items():
        team.create_login(owner, login, admin=name == "chloe")
    yield owner, logins, pg_url
    owner.close()
    with pg_admin_engine.begin() as conn:
        for role in [*logins.values(), groups.person, groups.admin]:
            quoted = conn.dialect.identifier_preparer.quote_identifier(role)
            conn.execute(sa.text(f"DROP OWNED BY {quoted}"))
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {quoted}"))


class _Raw:
    """Any content under a kind and id, as a raw insert writes it."""

    def __init__(self, kind: str, id: str, content: dict) -> None:
        self.kind, self.id, self._content = kind, id, {"id": id, **content}

    def content(self) -> dict:
        return self._content


def _as(url: str, login: str):
    return open_store(_login_url(url, login), create=False)


def test_a_person_login_acts_as_itself_whatever_the_environment(team_store, monkeypatch):
    owner, logins, url = team_store
    monkeypatch.setenv("WORKBENCH_USER", logins["chloe"])  # ravi pretends to be chloe
    ravi = _as(url, logins["ravi"])
    try:
        assert ravi.database_login() == logins["ravi"] == ravi.acting_user()
        current = ravi.get("ai_system", "credit")
        saved = ravi.save(current.record.model_copy(update={"description": "v2"}),
                          base_version=current.version)
        assert saved.author == logins["ravi"]
        with pytest.raises(PermissionDeniedError, match="may not save person"):
            ravi.save(Person(id=logins["ravi"], name="Ravi", roles=["admin"]), base_version=1)
    finally:
        ravi.close()


def test_update_delete_and_truncate_are_refused(team_store):
    owner, logins, url = team_store
    engine = sa.create_engine(sa.engine.make_url(_login_url(url, logins["ravi"]))
                              .set(drivername="postgresql+psycopg"))
    try:
        for sql in ("UPDATE record_versions SET reason = 'x'", "DELETE FROM record_versions",
                    "TRUNCATE record_versions"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                with engine.begin() as conn:
                    conn.execute(sa.text(sql))
    finally:
        engine.dispose()
    # the owner's own connection is refused too (the trigger), unless it disables it on purpose
    for sql in ("UPDATE record_versions SET reason = 'x'", "DELETE FROM record_versions",
                "TRUNCATE record_versions"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with owner.engine.begin() as conn:
                conn.execute(sa.text(sql))
    assert owner.verify().ok


def test_a_spoofed_author_is_refused_by_the_database(team_store):
    owner, logins, url = team_store
    ravi = _as(url, logins["ravi"])
    try:
        with pytest.raises(sa.exc.DatabaseError, match="may not save a version as"):
            forge_append(ravi, Person(id="someone", name="Someone"), author=logins["chloe"])
        # as himself the insert goes through (he holds the table's INSERT) ...
        head = owner.head()
        forge_append(ravi, AISystem.model_validate(
            owner.get("ai_system", "credit").content | {"description": "direct"}),
            author=logins["ravi"], version=2)
        assert owner.head() == head + 1
    finally:
        ravi.close()


def test_self_granted_roles_are_refused_by_the_database(team_store):
    owner, logins, url = team_store
    ravi = _as(url, logins["ravi"])
    try:
        with pytest.raises(sa.exc.DatabaseError, match="may not write person records"):
            forge_append(ravi, Person(id=logins["ravi"], name="Ravi", roles=["admin"]),
                         author=logins["ravi"], version=2)
    finally:
        ravi.close()
    chloe = _as(url, logins["chloe"])  # an admin may
    try:
        current = chloe.get("person", logins["ravi"])
        chloe.save(current.record.model_copy(update={"roles": ["contributor", "assessor"]}),
                   base_version=current.version)
    finally:
        chloe.close()
    assert owner.verify().ok


@pytest.mark.parametrize("shadow", [
    "CREATE TEMP TABLE store_settings (key text, value text)",
    "CREATE TEMP TABLE pg_roles AS SELECT rolname, true AS rolsuper FROM pg_catalog.pg_roles",
])
def test_a_temporary_table_cannot_switch_the_guard_off(team_store, shadow):
    """The guard reads the store's schema and the catalog, never a table the session shadows
    (PostgreSQL searches pg_temp first unless the path names it)."""
    owner, logins, url = team_store
    ravi = _as(url, logins["ravi"])
    head = owner.head()
    try:
        with pytest.raises(sa.exc.DatabaseError, match="may not write person records"):
            forge_append(ravi, Person(id=logins["ravi"], name="Ravi", roles=["admin"]),
                         author=logins["ravi"], version=2, first=(shadow,))
        with pytest.raises(sa.exc.DatabaseError, match="may not save a version as"):
            forge_append(ravi, AISystem.model_validate(
                owner.get("ai_system", "credit").content | {"team": [logins["ravi"]]}),
                author=logins["chloe"], version=2, first=(shadow,))
    finally:
        ravi.close()
    assert owner.head() == head


def test_only_admins_write_the_admin_only_kinds_in_the_database(team_store):
    """Not only people: the risk criteria and the sign-off policy too (as the permission
    policy says), which would otherwise re-level every risk or re-route every sign-off."""
    owner, logins, url = team_store
    ravi = _as(url, logins["ravi"])
    try:
        for kind in ("risk_criteria", "signoff_policy"):
            with pytest.raises(sa.exc.DatabaseError, match=f"may not write {kind} records"):
                forge_append(ravi, _Raw(kind, kind.replace("_", "-"), {"appetite": "critical"}),
                             author=logins["ravi"])
    finally:
        ravi.close()
    with owner.engine.connect() as conn:
        kinds = conn.execute(sa.text(
            "SELECT value FROM store_settings WHERE key = 'admin_kinds'")).scalar()
    assert set(kinds.split(",")) >= {"person", "risk_criteria", "signoff_policy"}


def test_a_held_write_lock_times_out_with_one_line(team_store, monkeypatch):
    """Anyone may take the store's advisory lock; a save waits a bounded time, then says so."""
    from workbench.store import _engine, _store

    owner, logins, url = team_store
    monkeypatch.setattr(_engine, "BUSY_TIMEOUT_S", 1)
    ravi = _as(url, logins["ravi"])
    blocker = sa.create_engine(sa.engine.make_url(_login_url(url, logins["ravi"]))
                               .set(drivername="postgresql+psycopg"))
    try:
        with blocker.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _store._PG_LOCK_KEY})
            current = ravi.get("ai_system", "credit")
            head = owner.head()
            with pytest.raises(StoreError, match=r"^the store stayed locked by another writer "
                                                 r"for 1 s; nothing was saved, try again$"):
                ravi.save(current.record.model_copy(update={"description": "x"}),
                          base_version=current.version)
            assert owner.head() == head
    finally:
        blocker.dispose()
        ravi.close()


def test_a_directly_inserted_sign_off_is_not_counted(team_store):
    owner, logins, url = team_store
    grace = _as(url, logins["grace"])
    ravi = _as(url, logins["ravi"])
    try:
        current = ravi.get("ai_system", "credit")
        ravi.save(current.record.model_copy(update={"description": "release 2"}),
                  base_version=current.version)
        oversight.request(ravi, "ai_system", "credit")
        req = owner.get("signoff_request", "ai_system.credit.v2.r1").record
        # ravi writes an approval as the governance lead into the table himself
        forged = SignOff(id=f"{req.id}.{logins['ravi']}", request_id=req.id,
                         target_kind="ai_system", target_id="credit", target_version=2,
                         target_hash=req.target_hash, signer=logins["ravi"],
                         role="governance_lead", decision="approve",
                         decided_at=dt.datetime.now(dt.timezone.utc))
        forge_append(ravi, forged, author=logins["ravi"])
        # and elena, an executive, writes one in the governance lead's slot
        elena = _as(url, logins["elena"])
        try:
            forge_append(elena, forged.model_copy(update={
                "id": f"{req.id}.{logins['elena']}", "signer": logins["elena"]}),
                author=logins["elena"])
        finally:
            elena.close()
        st = oversight.status(owner, "ai_system", "credit")
        assert st.state == "pending" and st.approved_by == []
        problems = " | ".join(str(p) for p in owner.verify().problems)
        assert f"{logins['ravi']} approved ai_system 'credit' version 2, which they authored" \
            in problems
        assert (f"by {logins['elena']} does not count: {logins['elena']} could not sign as "
                "governance_lead (it needs the role governance_lead)") in problems
        # the real decisions, through the library, count
        oversight.decide(grace, "ai_system", "credit", "approve")
        chloe = _as(url, logins["chloe"])
        try:
            oversight.decide(chloe, "ai_system", "credit", "approve")
        finally:
            chloe.close()
        assert oversight.status(owner, "ai_system", "credit").state == "approved"
    finally:
        grace.close()
        ravi.close()


def test_setup_and_logins_need_the_owner(team_store):
    owner, logins, url = team_store
    ravi = _as(url, logins["ravi"])
    try:
        with pytest.raises((StoreError, PermissionDeniedError)):
            team.create_login(ravi, "someone_else")
    finally:
        ravi.close()


def test_cli_add_user_creates_the_person_and_the_login(team_store, capsys, monkeypatch,
                                                        pg_admin_engine):
    from workbench.cli import main

    owner, logins, url = team_store
    newbie = f"newbie_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("WORKBENCH_USER", logins["chloe"])  # the owner connection, as chloe
    try:
        assert main(["--database-url", url, "admin", "add-user", newbie, "--name", "New",
                     "--role", "contributor"]) == 0
        assert "may now connect" in capsys.readouterr().out
        assert owner.get("person", newbie).record.roles[0].value == "contributor"
        store = _as(url, newbie)
        try:
            assert store.acting_user() == newbie
        finally:
            store.close()
        monkeypatch.setenv("WORKBENCH_USER", logins["ravi"])  # not an admin
        assert main(["--database-url", url, "admin", "add-user", "x" + newbie, "--name", "X",
                     "--role", "admin"]) == 1
        assert "may not save person" in capsys.readouterr().err
    finally:
        with pg_admin_engine.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{newbie}"'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{newbie}"'))


def test_cli_init_creates_the_first_admins_login(pg_url, pg_admin_engine, capsys):
    from workbench.cli import main

    admin = f"first_{uuid.uuid4().hex[:8]}"
    try:
        assert main(["--database-url", pg_url, "init", "--admin", admin, "--name", "First"]) == 0
        out = capsys.readouterr().out
        assert f"database login {admin} (admin group) may now connect" in out
        store = _as(pg_url, admin)
        try:
            assert store.database_login() == admin
            found = team.groups(store)
            with store.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT pg_has_role(session_user, :g, 'MEMBER')"),
                                    {"g": found.admin}).scalar()
        finally:
            store.close()
    finally:
        owner = open_store(pg_url, create=False)
        found = team.groups(owner)
        owner.close()
        with pg_admin_engine.begin() as conn:
            for role in (admin, found.person, found.admin):
                quoted = conn.dialect.identifier_preparer.quote_identifier(role)
                conn.execute(sa.text(f"DROP OWNED BY {quoted}"))
                conn.execute(sa.text(f"DROP ROLE IF EXISTS {quoted}"))


def test_the_guard_migration_needs_init_on_postgresql_only(pg_url, tmp_path):
    """Migration 0003 changes only the team store's trigger: a SQLite store at 0002 is current;
    a PostgreSQL one asks for `workbench init`, which upgrades it."""
    from workbench.store import _engine

    for url in (f"sqlite:///{tmp_path / 'old.db'}", pg_url):
        open_store(url).close()
        engine = _engine.make_engine(_engine.parse_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE alembic_version SET version_num = '0002_team_store'"))
            expected = "current" if url.startswith("sqlite") else "outdated:0002_team_store"
            assert _engine.schema_state(engine) == expected
        finally:
            engine.dispose()
    with pytest.raises(StoreError, match="uses store schema 0002_team_store, this version needs "
                                         "0003_guard_hardening: run `workbench init`"):
        open_store(pg_url, create=False)
    open_store(pg_url, upgrade=True).close()
    engine = _engine.make_engine(_engine.parse_url(pg_url))
    try:
        assert _engine.schema_state(engine) == "current"
    finally:
        engine.dispose()


def test_the_database_guard_follows_a_policy_kept_from_the_owner_connection(team_store,
                                                                           tmp_path, capsys):
    """Kept from the store owner's connection (`workbench admin permissions --set`), a policy
    that makes AI systems admin-only is enforced by the database too: a person login's raw
    insert of one is refused."""
    import yaml

    from workbench.cli import main
    from workbench.permissions import PERMISSIONS_FILE

    owner, logins, url = team_store
    data = yaml.safe_load(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    data["kinds"]["ai_system"]["grants"] = [{"roles": ["admin"]}]
    path = tmp_path / "admins.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with acting(logins["chloe"]):
        assert main(["--database-url", url, "admin", "permissions", "--set", str(path)]) == 0
    assert "insert guard now refuses" in capsys.readouterr().out
    with owner.engine.connect() as conn:
        kinds = conn.execute(sa.text(
            "SELECT value FROM store_settings WHERE key = 'admin_kinds'")).scalar()
    assert "ai_system" in kinds.split(",")
    grace = _as(url, logins["grace"])  # the system's owner, whom the policy no longer allows
    try:
        with pytest.raises(sa.exc.DatabaseError, match="may not write ai_system records"):
            forge_append(grace, _Raw("ai_system", "credit", {"name": "Renamed"}),
                         author=logins["grace"], version=2)
    finally:
        grace.close()
