"""Escaped HTML: user text shows as text wherever it is rendered."""

from __future__ import annotations

import pandas as pd

from workbench.render import badge, esc, fmt_int, fmt_pct, html_table, kpi

XSS = "<img src=x onerror=alert(1)>"


def test_esc():
    assert esc(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert esc(None) == "" and esc('"q"') == "&quot;q&quot;"


def test_table_escapes_every_cell_and_header():
    df = pd.DataFrame([{"title": XSS, "controls": ["A.6.2.4", XSS], XSS: 1}])
    out = html_table(df)
    assert "<img" not in out and out.count("&lt;img") == 3


def test_table_formatters_columns_and_truncation():
    rows = [{"id": f"r{i}", "status": "stale", "n": i} for i in range(5)]
    out = html_table(rows, {"id": "Risk", "status": "Sign-off"}, formatters={"status": badge},
                     max_rows=3)
    assert "<th" in out and "Risk" in out and "Sign-off" in out and ">n<" not in out
    assert out.count("wb-badge") == 3 and "… and 2 more" in out


def test_table_empty_and_missing_values():
    assert "Nothing to show" in html_table([])
    out = html_table(pd.DataFrame({"a": [None, float("nan")], "d": pd.to_datetime(
        ["2026-01-02", None])}))
    assert "nan" not in out.lower() and "NaT" not in out and "2026-01-02" in out


def test_badge_kpi_and_numbers():
    assert "background:#cf222e" in badge("rejected")
    assert "&lt;b&gt;" in badge("<b>", title="<t>") and "&lt;t&gt;" in badge("x", title="<t>")
    assert fmt_int(1234567) == "1,234,567" and fmt_pct(0.734) == "73%"
    card = kpi("Open <risks>", 25000, note="<n>")
    assert "25,000" in card and "&lt;risks&gt;" in card and "&lt;n&gt;" in card
