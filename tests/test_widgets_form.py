"""The model-driven form: values in, errors beside fields, user text escaped."""

from __future__ import annotations

import datetime as dt

import ipywidgets as W

from workbench.errors import ConflictError
from workbench.model import AISystem, Evidence, Person
from workbench.widgets._common import StatusLine, reports_errors
from workbench.widgets._form import ModelForm


def _form():
    return ModelForm(AISystem, choices={"owner": [("Alice Moreau", "alice")]},
                     textareas=["purpose"])


def test_defaults_and_required_markers():
    form = _form()
    assert form.fields["status"].widget.value == "active"
    assert form.fields["in_scope"].widget.value is True
    assert "required" in form.fields["name"].label.value
    assert "required" not in form.fields["description"].label.value


def test_invalid_input_shows_errors_beside_fields():
    form = _form()
    assert form.validate({"id": "x"}) is None
    assert "required" in form.fields["name"].error.value
    assert form.fields["description"].error.value == ""
    assert form.fields["lifecycle_stage"].error.value


def test_valid_input_round_trips():
    form = _form()
    values = dict(name="CV screening", purpose="Rank", owner="alice", business_unit="HR",
                  lifecycle_stage="operate", org_roles=["deployer"], technique="GBM",
                  technique_family="classical_ml", automation_level="partial",
                  oversight_mode="in_the_loop", geography=["DE", "FR"])
    for name, value in values.items():
        form.fields[name].set(value)
    record = form.validate({"id": "cv"})
    assert isinstance(record, AISystem) and record.geography == ["DE", "FR"]
    again = ModelForm(AISystem, values=record, choices={"owner": [("Alice", "alice")]})
    assert again.values()["org_roles"] == ["deployer"]
    assert again.values()["geography"] == ["DE", "FR"]


def test_user_text_in_errors_is_escaped():
    form = ModelForm(Person, fields=["name", "email"])
    form.fields["name"].set("Eve")
    form.fields["email"].set("<img src=x onerror=alert(1)>")
    assert form.validate({"id": "eve"}) is None
    assert "<img" not in form.fields["email"].error.value
    assert "&lt;img" in form.fields["email"].error.value


def test_nested_and_unplaced_errors():
    form = ModelForm(Evidence, fields=["title", "evidence_kind", "uri", "collected_by",
                                       "collected_at", "control_ids"],
                     choices={"control_ids": ["A.6.2.4", "A.7.4"]})
    form.set_values(dict(title="T", evidence_kind="document", collected_by="alice",
                         collected_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                         control_ids=["A.6.2.4"]))
    assert form.validate({"id": "ev"}) is None  # neither uri nor content hash
    assert "uri or a content_hash" in form.form_error.value
    form.fields["uri"].set("https://x.example/a")
    assert form.validate({"id": "ev"}).control_ids == ["A.6.2.4"]


def test_callback_errors_land_on_the_widget():
    class Panel(W.VBox):
        def __init__(self):
            self.status = StatusLine()
            self.error_details = W.Output()
            super().__init__([self.status])

        @reports_errors()
        def save(self):
            raise ConflictError("changed by ben at 10:00")

        @reports_errors()
        def crash(self):
            raise RuntimeError("boom")

    panel = Panel()
    panel.save()
    assert "changed by ben" in panel.status.value and panel.status.level == "error"
    panel.crash()
    assert "unexpected error: RuntimeError: boom" in panel.status.value


def test_clearing_a_required_choice():
    form = _form()
    form.fields["lifecycle_stage"].set("operate")
    form.fields["lifecycle_stage"].set(None)
    assert form.values()["lifecycle_stage"] is None


def test_no_workbench_widget_overrides_the_ipywidgets_api():
    """A method named like an ipywidgets one (``open``, ``close``, ``send``, ``keys``...)
    silently breaks the widget: ``open`` is how a widget connects to its front-end, and a
    widget that overrides it shows "model not found" in the browser."""
    import inspect

    import workbench.widgets as ww
    from workbench.widgets._form import ModelForm as Form

    api = {name for cls in (W.Box, W.HTML, W.Output, W.DOMWidget) for name in dir(cls)
           if not name.startswith("__")}
    ours = [getattr(ww, n) for n in ww.__all__] + [Form, StatusLine]
    classes = [c for c in ours if inspect.isclass(c) and issubclass(c, W.Widget)]
    assert len(classes) >= 9
    for cls in classes:
        own = {name for klass in cls.__mro__ if klass.__module__.startswith("workbench")
               for name, value in vars(klass).items() if callable(value) or
               isinstance(value, property)}
        assert not (own & api), f"{cls.__name__} overrides {sorted(own & api)}"
