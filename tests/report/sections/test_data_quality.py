"""The data-quality page: counts set aside pass through disclosure; what was skipped is said."""

from __future__ import annotations

import pandas as pd

from helpers.report.sections import data_quality


def _html(section) -> str:
    return section._repr_html_() if hasattr(section, "_repr_html_") else section.data


def test_small_counts_set_aside_are_hidden_and_large_ones_shown():
    held = pd.DataFrame({"Reason": ["unknown alliance", "stage not 1-4", "duplicate tumour_id"],
                         "Rows": ["3", "1,204", "7"]})
    page = _html(data_quality.set_aside(held))
    assert ">1,204<" in page and ">3<" not in page and ">7<" not in page
    assert page.count(">*<") == 2


def test_reconciled_line_hides_both_parts_when_one_is_small():
    """Showing kept = rows in - 3 would give the 3 away by subtraction."""
    assert data_quality.reconciled(1000, 997, 3) .startswith("rows in 1,000 = kept * + "
                                                              "quarantined *")
    assert data_quality.reconciled(1000, 980, 20) == "rows in 1,000 = kept 980 + quarantined 20"
    assert data_quality.reconciled(10, 2, 8).startswith("rows in 10 = kept * +")


def test_referral_reasons_are_suppressed_too():
    status = {"source": "local", "referrals": {"rows_in": 100, "kept": 95, "quarantined": 5,
                                               "quarantine_reasons": {"told before referral": 5}}}
    page = _html(data_quality.referrals(status))
    assert "95" not in page and ">5<" not in page and "kept *" in page


def test_what_was_skipped_is_said():
    status = {"skipped": ["innovation activity: activity.csv: missing required column(s) "
                          "'count'"], "activity": {"files": [], "skipped": "x"}}
    page = _html(data_quality.skipped(status))
    assert "Skipped innovation activity" in page and "'count'" in page.replace("&#x27;", "'")
    assert "Everything else was cleaned" in page
    assert _html(data_quality.skipped({"skipped": [], "activity": None})) == ""
