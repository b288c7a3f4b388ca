"""Human oversight: sign-off of records by the people the policy names.

``import workbench as wb`` then ``wb.oversight.request(...)``, ``wb.oversight.decide(...)``,
``wb.oversight.status(...)``, ``wb.oversight.status_frame(...)``, ``wb.oversight.pending(...)``.
The rules (who signs what, segregation of duties) live here, so widgets, the command line and
notebooks all obey the same ones; the policy itself is data (``policy.yaml``).
"""

from __future__ import annotations

from workbench.oversight.model import (
    APPROVING,
    Decision,
    RequestStatus,
    RequiredSigner,
    SignOff,
    SignOffRequest,
    request_id_for,
    signoff_id_for,
)
from workbench.oversight.policy import (
    POLICY_FILE,
    Policy,
    facts_for,
    load_policy,
    save_policy,
)
from workbench.oversight.queue import Eligibility, eligibility, pending
from workbench.oversight.status import (
    STATES,
    DecisionView,
    FieldChange,
    SignOffStatus,
    diff_content,
    invalid_signoffs,
    recent_decisions,
    stale_approvals,
    status,
    status_frame,
)
from workbench.oversight.workflow import decide, request, withdraw

__all__ = [
    "APPROVING",
    "POLICY_FILE",
    "STATES",
    "Decision",
    "DecisionView",
    "Eligibility",
    "FieldChange",
    "Policy",
    "RequestStatus",
    "RequiredSigner",
    "SignOff",
    "SignOffRequest",
    "SignOffStatus",
    "decide",
    "diff_content",
    "eligibility",
    "facts_for",
    "invalid_signoffs",
    "load_policy",
    "save_policy",
    "pending",
    "recent_decisions",
    "request",
    "request_id_for",
    "signoff_id_for",
    "stale_approvals",
    "status",
    "status_frame",
    "withdraw",
]
