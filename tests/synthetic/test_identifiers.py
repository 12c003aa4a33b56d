"""Fake identifiers: unique ids at any size, NHS numbers kept inside the test range."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.synthetic.identifiers import (
    NHS_TEST_POOL,
    nhs_numbers,
    referral_ids,
    serial_ids,
    tumour_ids,
)


def test_serial_ids_by_hand():
    assert tumour_ids(3).tolist() == ["SYN00000001", "SYN00000002", "SYN00000003"]
    assert referral_ids(2).tolist() == ["REF000000001", "REF000000002"]


def test_ids_widen_past_their_digits_and_stay_unique():
    # 2 digits hold 99 ids; the 100th and later widen every id to 3 digits
    ids = serial_ids("X", 101, 2)
    assert ids.iloc[0] == "X001" and ids.iloc[-1] == "X101"
    assert ids.is_unique and ids.str.len().eq(4).all()
    assert serial_ids("X", 99, 2).iloc[-1] == "X99"


@pytest.mark.slow
def test_nhs_numbers_distinct_up_to_the_test_pool():
    numbers = nhs_numbers(NHS_TEST_POOL, np.random.default_rng(1))
    assert numbers.is_unique
    assert numbers.str.fullmatch(r"999\d{7}").all()


@pytest.mark.slow
def test_nhs_numbers_beyond_the_pool_stay_in_the_test_range():
    # the old limit: 10 million test numbers; 11 million tumours (scale 8) used to fail
    n = 11_000_000
    numbers = nhs_numbers(n, np.random.default_rng(2))
    assert len(numbers) == n
    assert numbers.str.startswith("999").all() and numbers.str.len().eq(10).all()
    counts = numbers.value_counts()
    assert len(counts) == NHS_TEST_POOL  # every test number used before any repeats
    assert counts.sum() - len(counts) == n - NHS_TEST_POOL
    # repeats are spread through the rows, not piled at the end
    first_repeat = np.flatnonzero(numbers.duplicated().to_numpy())[0]
    assert first_repeat < n // 2
