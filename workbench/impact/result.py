"""The result of an EU AI Act classification: the tier, obligations and the reasoning trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GPAI_TRACKS", "TIERS", "Classification", "Step"]

Tier = Literal["prohibited", "high_risk", "transparency", "minimal", "undetermined"]
GpaiTrack = Literal["none", "gpai", "systemic", "undetermined"]
Effect = Literal["triggers", "rules_out", "exception", "open", "obligation", "role"]

TIERS: tuple[str, ...] = ("prohibited", "high_risk", "transparency", "minimal", "undetermined")
GPAI_TRACKS: tuple[str, ...] = ("none", "gpai", "systemic", "undetermined")


class Step(BaseModel):
    """One step of the reasoning: a rule (catalog id), the answer that decided it, the result."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="catalog id of the article, practice or Annex III point")
    question: str = Field("", description="the question whose answer decided this step")
    answer: Any = None
    conclusion: str
    effect: Effect


class Classification(BaseModel):
    """The EU AI Act result for one system: tier, GPAI track, obligations and why.

    Attributes
    ----------
    tier
        ``prohibited``, ``high_risk``, ``transparency``, ``minimal`` or ``undetermined``.
    gpai
        General-purpose AI model track: ``none``, ``gpai``, ``systemic`` or ``undetermined``.
    obligations
        Catalog article ids that bind the organization in its role(s), in the Act's order.
    triggered
        Catalog ids of the rules that apply (practices, Annex III points, Art. 50 paragraphs).
    reasoning
        Every step, in the order the rules were applied.
    missing
        Question ids still to answer: when ``tier`` is undetermined, those that could change
        it; otherwise those that could change the obligations (then ``complete`` is False).
    roles
        ``provider`` and/or ``deployer``, derived from the system's ``org_roles``.
    """

    model_config = ConfigDict(frozen=True)

    tier: Tier
    gpai: GpaiTrack = "none"
    obligations: list[str] = Field(default_factory=list)
    triggered: list[str] = Field(default_factory=list)
    reasoning: list[Step] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    complete: bool = True

    @property
    def undetermined(self) -> bool:
        return self.tier == "undetermined"

    def label(self) -> str:
        """Human label of the tier ("high-risk", "undetermined"...)."""
        return {"high_risk": "high-risk"}.get(self.tier, self.tier)

    def summary(self) -> str:
        """One line: tier, GPAI track, obligations or the questions left."""
        text = f"EU AI Act: {self.label()}"
        if self.gpai not in ("none",):
            text += f"; GPAI model track: {self.gpai}"
        if self.undetermined:
            return text + f" - answer {len(self.missing)} question(s): {', '.join(self.missing)}"
        if self.obligations:
            text += f" - obligations: {', '.join(self.obligations)}"
        return text

    def triggers(self) -> list[Step]:
        """The steps that made something apply (the short version of the reasoning)."""
        return [s for s in self.reasoning if s.effect in ("triggers", "obligation")]

    def reasoning_frame(self) -> pd.DataFrame:
        """The reasoning as a table: ``rule``, ``title``, ``question``, ``answer``,
        ``effect``, ``conclusion``."""
        import pandas as pd

        from workbench import catalog

        rows = []
        for s in self.reasoning:
            title = getattr(catalog.get(s.rule), "title", "")
            answer = ", ".join(s.answer) if isinstance(s.answer, list) else s.answer
            rows.append({"rule": s.rule, "title": title, "question": s.question,
                         "answer": "" if answer is None else str(answer), "effect": s.effect,
                         "conclusion": s.conclusion})
        return pd.DataFrame(rows, columns=["rule", "title", "question", "answer", "effect",
                                           "conclusion"])
