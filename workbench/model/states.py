"""State vocabularies shared by every layer (one StrEnum per concept, with its labels).

Kept in the model package, which imports nothing heavy, so that registers and views can use
them without loading the features that compute the states.
"""

from __future__ import annotations

from workbench.model.core import StrEnum

__all__ = ["SignOffState"]


class SignOffState(StrEnum):
    """The sign-off state of a record (derived, never stored): one vocabulary for every view.

    ``not_required`` is the risk register's state of a risk within the appetite.
    """

    approved = "approved"
    pending = "pending"
    stale = "stale"
    rejected = "rejected"
    changes_requested = "changes_requested"
    #: Sign-off of an earlier version was requested, and the record changed before the signers
    #: decided: the requester asks again for the current version.
    outdated = "outdated"
    none = "none"
    not_required = "not_required"

    @property
    def label(self) -> str:
        """How people read it ("not requested", "changes requested")."""
        return _STATE_LABELS.get(self.value, self.value)

    @classmethod
    def label_of(cls, state: object) -> str:
        """The label of a state given as text (unknown text is shown as it is)."""
        try:
            return cls(str(state)).label
        except ValueError:
            return str(state)


_STATE_LABELS = {"none": "not requested", "not_required": "not required",
                 "changes_requested": "changes requested", "outdated": "request outdated"}
