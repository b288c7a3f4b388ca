"""``workbench verify`` checks that every sign-off signs what it names."""

from __future__ import annotations

import datetime as dt

import pytest
from test_oversight_fixtures import make_org

from workbench import oversight
from workbench.oversight.model import SignOff
from workbench.oversight.verify import check_signoffs


@pytest.fixture
def signed(store):
    make_org(store)
    oversight.request(store, "ai_system", "card-fraud", user="ben")
    oversight.decide(store, "ai_system", "card-fraud", "approve", user="chloe")
    return store


def _forge(store, *, author="sven", **changes):
    stored = store.get("signoff", "ai_system.card-fraud.v2.r1.chloe").record
    data = stored.content() | {"id": "ai_system.card-fraud.v2.r1.sven", "signer": "sven",
                               "role": "system_owner",
                               "decided_at": dt.datetime.now(dt.timezone.utc)} | changes
    store.save(SignOff.parse(data), author=author)


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
    signed.save(stored.record.model_copy(update={"comment": "edited later"}), base_version=1,
                author="chloe")
    assert "was changed after it was recorded" in str(check_signoffs(signed)[0])


def test_tampered_target_content_breaks_the_chain_and_the_binding(signed):
    """Rewriting the approved version in the database (content and its hash) is caught."""
    import sqlalchemy as sa

    from workbench.store._hashing import canonical_json, sha256_text
    from workbench.store._tables import record_versions as T

    stored = signed.get("ai_system", "card-fraud")
    forged = canonical_json(stored.content | {"purpose": "Something nobody approved."})
    with signed.engine.begin() as conn:
        conn.execute(sa.update(T).where(T.c.kind == "ai_system",
                                        T.c.record_id == "card-fraud", T.c.version == 2)
                     .values(content=forged, content_hash=sha256_text(forged)))
    problems = " | ".join(str(p) for p in signed.verify().problems)
    assert "its author, time, reason or version was altered" in problems  # the chain
    assert "does not sign what it names" in problems  # the sign-off and its request


def test_cli_verify_fails_on_a_forged_sign_off(signed, capsys):
    from workbench.cli import main

    _forge(signed, target_hash="c" * 64)
    assert main(["--database-url", signed.url, "verify"]) == 1
    assert "does not sign what it names" in capsys.readouterr().out
