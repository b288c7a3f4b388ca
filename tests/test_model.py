"""Record models: validation errors name the field; references are declared for the store."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.errors import NotFoundError, ValidationError
from workbench.model import (
    AISystem,
    Evidence,
    Person,
    Record,
    model_for,
    validate_record,
)

SYSTEM = dict(id="cv-screening", name="CV screening", purpose="Rank applicants", owner="farid",
              business_unit="People", lifecycle_stage="operate", org_roles=["deployer"],
              technique="GBM", technique_family="classical_ml", automation_level="partial",
              oversight_mode="in_the_loop")


def test_ai_system_round_trip():
    system = validate_record(AISystem, SYSTEM)
    assert system.kind == "ai_system" and system.label == "AI system"
    assert system.references()[0] == ("owner", "person", "farid")
    assert AISystem.model_validate(system.content()) == system


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"id": "CV Screening"}, "id", "lower-case letters"),
        ({"lifecycle_stage": "launch"}, "lifecycle_stage", "'design'"),
        ({"org_roles": []}, "org_roles", "required"),
        ({"org_roles": ["deployer", "deployer"]}, "org_roles", "only once"),
        ({"oversight_mode": "sometimes"}, "oversight_mode", "in_the_loop"),
        ({"name": "  "}, "name", "required"),
        ({"colour": "blue"}, "colour", "not a field"),
    ],
)
def test_invalid_system_names_the_field(change, field, fragment):
    with pytest.raises(ValidationError) as err:
        validate_record(AISystem, {**SYSTEM, **change})
    fields = dict(err.value.errors)
    assert field in fields and fragment in fields[field]
    assert str(err.value).startswith("invalid AI system: ")
    assert "\n" not in str(err.value)


def test_missing_required_fields_listed():
    with pytest.raises(ValidationError) as err:
        validate_record(AISystem, {"id": "x"})
    assert {f for f, _ in err.value.errors} >= {"name", "purpose", "owner", "lifecycle_stage"}


def test_person_roles_deduplicated_and_checked():
    p = Person(id="alice", name="Alice", roles=["approver", "assessor", "approver"])
    assert [r.value for r in p.roles] == ["assessor", "approver"]
    assert p.has_role("approver") and not p.has_role("admin")
    with pytest.raises(ValidationError, match="roles"):
        validate_record(Person, {"id": "bob", "name": "Bob", "roles": ["wizard"]})
    with pytest.raises(ValidationError, match="not an e-mail"):
        validate_record(Person, {"id": "bob", "name": "Bob", "email": "bob"})


def _evidence(**kw):
    data = dict(id="ev-1", title="Validation report", evidence_kind="test_result",
                uri="https://docs.example/v.pdf", collected_by="alice",
                collected_at="2026-01-10T09:00:00Z", control_ids=["A.6.2.4"],
                system_ids=["cv-screening"])
    data.update(kw)
    return validate_record(Evidence, data)


def test_evidence_checks_controls_against_the_catalog():
    assert _evidence().control_ids == ["A.6.2.4"]
    with pytest.raises(ValidationError) as err:
        _evidence(control_ids=["A.6.2.9"])
    assert err.value.errors[0][0] == "control_ids.0"
    assert "A.6.2.9" in str(err.value)
    with pytest.raises(ValidationError, match="clause"):
        _evidence(clause_ids=["11.1"])


def test_evidence_needs_a_location_and_sane_dates():
    with pytest.raises(ValidationError, match="uri or a content_hash"):
        _evidence(uri="")
    assert _evidence(uri="", content_hash="a" * 64).content_hash == "a" * 64
    with pytest.raises(ValidationError, match="content_hash"):
        _evidence(content_hash="xyz")
    with pytest.raises(ValidationError, match="before collected_at"):
        _evidence(expires_at="2025-01-01")


def test_evidence_expiry():
    ev = _evidence(expires_at="2026-06-30")
    assert not ev.is_expired(dt.date(2026, 6, 30))
    assert ev.is_expired(dt.date(2026, 7, 1))
    assert not _evidence().is_expired(dt.date(2099, 1, 1))
    assert ev.collected_at.tzinfo is not None
    assert ev.references() == [("system_ids", "ai_system", "cv-screening")]


def test_kind_registry():
    assert model_for("ai_system") is AISystem
    assert model_for(Evidence) is Evidence
    with pytest.raises(NotFoundError, match="unknown record kind 'gizmo'"):
        model_for("gizmo")

    class Gadget(Record, kind="test_gadget"):
        name: str

    assert model_for("test_gadget") is Gadget
    assert Gadget(id="g", name="G").display_name() == "G"


def test_own_validator_messages_survive_empty_input():
    from pydantic import field_validator

    class Note(Record, kind="test_note"):
        text: str = ""

        @field_validator("text")
        @classmethod
        def _text(cls, value: str) -> str:
            if not value:
                raise ValueError("write the note, or delete it")
            return value

    with pytest.raises(ValidationError) as err:
        validate_record(Note, {"id": "n", "text": "  "})
    assert err.value.errors == [("text", "write the note, or delete it")]


@pytest.mark.parametrize("field, typed", [("expires_at", "next week"),
                                          ("expires_at", "2026-13-16"),
                                          ("collected_at", "yesterday")])
def test_text_that_is_not_a_date_says_so_in_words(field, typed):
    from workbench.model import Evidence

    data = {"id": "ev-1", "title": "Test", "evidence_kind": "test_result",
            "collected_at": "2026-11-01T09:00:00+00:00", field: typed}
    with pytest.raises(ValidationError) as err:
        validate_record(Evidence, data)
    assert dict(err.value.errors)[field] == f"{typed!r} is not a date; use YYYY-MM-DD"
