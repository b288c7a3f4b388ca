"""Sign-off registers reused within one page build: the same frames as computed afresh, for
every kind and for the invalid ones, and never stale after a save."""

from __future__ import annotations

import pandas as pd
import pytest
from actors import acting

import workbench as wb
from workbench.oversight.status import reuse_signoff_frames, signoff_frames


def _same(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame],
          what: str) -> None:
    for name, left, right in zip(("requests", "decisions"), a, b, strict=True):
        pd.testing.assert_frame_equal(left.reset_index(drop=True),
                                      right.reset_index(drop=True), obj=f"{what} {name}")


@pytest.mark.parametrize("invalid", [False, True])
def test_reused_frames_equal_fresh_ones_for_every_kind(demo_store, invalid):
    kinds = [None, *sorted(set(demo_store.frame("signoff_request")["target_kind"]))]
    fresh = {k: signoff_frames(demo_store, k, invalid=invalid) for k in kinds}
    assert len(kinds) > 4
    assert invalid or all(len(fresh[k][1]) for k in ("risk", "impact_assessment"))
    with reuse_signoff_frames():
        for k in kinds:
            _same(signoff_frames(demo_store, k, invalid=invalid), fresh[k], str(k))
        # callers get copies: changing one does not change the next
        req, _ = signoff_frames(demo_store)
        req["target_kind"] = "changed"
        _same(signoff_frames(demo_store, invalid=invalid), fresh[None], "after a change")


def test_a_save_inside_the_block_is_seen(demo_store):
    waiting = wb.oversight.pending(demo_store, "elena")
    assert len(waiting)
    row = waiting.iloc[0]
    with reuse_signoff_frames():
        before = signoff_frames(demo_store, row["kind"])[1]
        with acting("elena"):
            wb.oversight.decide(demo_store, row["kind"], row["record_id"], "approve",
                                role=str(row["signers"]).split(",")[0].strip())
        after = signoff_frames(demo_store, row["kind"])[1]
    assert len(after) == len(before) + 1
