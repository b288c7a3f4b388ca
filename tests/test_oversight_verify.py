"""``workbench verify`` checks that every sign-off signs what it names, and a sign-off that
reached the store around the workflow (written into the database) neither counts nor passes."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting
from tamper import forge_append
from test_oversight_fixtures import make_org

from workbench import oversight
from workbench.errors import PermissionDeniedError
from workbench.oversight.model import SignOff
from workbench.oversight.verify import check_signoffs


@pytest.fixture
def signed(store):
    make_org(store)
    with acting("ben"):
        oversight.request(store, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(store, "ai_system", "card-fraud", "approve")
    return store


def _forged(store, **changes) -> SignOff:
    stored = store.get("signoff", "ai_system.card-fraud.v2.r1.chloe").record
    data = stored.content() | {"id": "ai_system.card-fraud.v2.r1.sven", "signer": "sven",
                               "role": "system_owner",
                               "decided_at": dt.datetime.now(dt.timezone.utc)} | changes
    return SignOff.parse(data)


def _forge(store, *, author="sven", **changes) -> None:
    """A sign-off written into the database around the workflow."""
    forge_append(store, _forged(store, **changes), author=author)


def test_a_plain_save_of_a_sign_off_is_refused(signed):
    head = signed.head()
    with acting("sven"), pytest.raises(PermissionDeniedError,
                                       match="written only through wb.oversight"):
        signed.save(_forged(signed))
    assert signed.head() == head
    assert oversight.status(signed, "ai_system", "card-fraud").state == "pending"


def test_clean_sign_offs_pass(signed):
    assert check_signoffs(signed) == []
    report = signed.verify()
    assert report.ok, report.summary()


def test_a_sign_off_with_the_wrong_hash_is_reported(signed):
    _forge(signed, target_hash="b" * 64)
    problems = [str(p) for p in check_signoffs(signed)]
    assert len(problems) == 1
    assert ("sign-off 'ai_system.card-fraud.v2.r1.sven' binds ai_system 'card-fraud' version 2 "
            "to hash bbbbbbbbbbbb…, but that version's content hash is") in problems[0]
    assert "it does not sign what it names" in problems[0]
    report = signed.verify()
    assert not report.ok and "does not sign what it names" in report.summary()
    st = oversight.status(signed, "ai_system", "card-fraud")
    assert st.state == "pending" and st.approved_by == []  # it never counts


def test_a_sign_off_naming_a_missing_version_is_reported(signed):
    _forge(signed, target_version=7)
    assert "names ai_system 'card-fraud' version 7, which is not in the store" in str(
        check_signoffs(signed)[0])


def test_forged_self_approval_and_signer_are_reported(signed):
    _forge(signed, signer="ben", role="governance_lead", author="ben",
           id="ai_system.card-fraud.v2.r1.ben")
    _forge(signed, author="chloe")
    problems = " | ".join(str(p) for p in check_signoffs(signed))
    assert "ben approved ai_system 'card-fraud' version 2, which they authored" in problems
    assert "names sven as signer but was saved by chloe" in problems


def test_an_edited_decision_is_reported(signed):
    stored = signed.get("signoff", "ai_system.card-fraud.v2.r1.chloe")
    forge_append(signed, stored.record.model_copy(update={"comment": "edited later"}),
                 author="chloe", version=2)
    assert "was changed after it was recorded" in str(check_signoffs(signed)[0])


def test_tampered_target_content_breaks_the_chain_and_the_binding(signed):
    """Rewriting the approved version in the database (content and its hash) is caught."""
    import sqlalchemy as sa

    from workbench.store._hashing import canonical_json, sha256_text
    from workbench.store._tables import record_versions as T

    stored = signed.get("ai_system", "card-fraud")
    forged = canonical_json(stored.content | {"purpose": "Something nobody approved."})
    with signed.engine.begin() as conn:
        if signed.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_versions DISABLE TRIGGER USER"))
        conn.execute(sa.update(T).where(T.c.kind == "ai_system",
                                        T.c.record_id == "card-fraud", T.c.version == 2)
                     .values(content=forged, content_hash=sha256_text(forged)))
        if signed.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_versions ENABLE TRIGGER USER"))
    problems = " | ".join(str(p) for p in signed.verify().problems)
    assert "its author, time, reason or version was altered" in problems  # the chain
    assert "does not sign what it names" in problems  # the sign-off and its request


def test_cli_verify_fails_on_a_forged_sign_off(signed, capsys):
    from workbench.cli import main

    _forge(signed, target_hash="c" * 64)
    assert main(["--database-url", signed.url, "verify"]) == 1
    assert "does not sign what it names" in capsys.readouterr().out
