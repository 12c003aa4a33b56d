"""Fake personal identifiers, present in the raw synthetic data so cleaning can drop them.

None of them can point at a real person:

* ``nhs_number``: 10 digits starting "999", the NHS test range (999 000 0000 to
  999 999 9999) never issued to patients, not necessarily passing the modulus 11
  check. The range holds :data:`NHS_TEST_POOL` (10 million) numbers: up to that many
  tumours each get a different one; beyond it every test number is used and the
  rest repeat one (as a person with more than one tumour would), because leaving
  the test range could produce a real patient's number. Records are told apart
  by ``tumour_id`` and ``referral_id``, unique at any size.
* ``postcode``: "ZZ99 9ZZ"-style pseudo-postcodes (the ZZ99 district is not
  a real place).
* ``date_of_birth``: consistent with the age at diagnosis (the exact age in
  completed years on the diagnosis date equals ``age``).
* ``tumour_id``: "SYN" + 8 digits (more when there are more than 99,999,999 tumours);
  ``referral_id``: "REF" + 9 digits (likewise).
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NHS_TEST_PREFIX = "999"
TUMOUR_ID_PREFIX = "SYN"
POSTCODE_DISTRICT = "ZZ99"
NHS_TEST_POOL = 10**7
"""How many numbers the NHS test range 999 000 0000 to 999 999 9999 holds."""


def _prefixed(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    digits = pc.utf8_lpad(pa.array(numbers, type=pa.int64()).cast(pa.string()), width, "0")
    return pd.Series(pc.binary_join_element_wise(prefix, digits, "").to_pandas())


def serial_ids(prefix: str, n: int, width: int) -> pd.Series:
    """``prefix`` + 1..n zero-padded to ``width`` digits, or wider when ``n`` needs more."""
    return _prefixed(prefix, np.arange(1, n + 1), max(width, len(str(n))))


def tumour_ids(n: int) -> pd.Series:
    """Return "SYN00000001", "SYN00000002", ... (strings, distinct for any ``n``)."""
    return serial_ids(TUMOUR_ID_PREFIX, n, 8)


REFERRAL_ID_PREFIX = "REF"


def referral_ids(n: int) -> pd.Series:
    """Return pseudonymous "REF000000001", "REF000000002", ... (distinct for any ``n``)."""
    return serial_ids(REFERRAL_ID_PREFIX, n, 9)


def nhs_numbers(n: int, rng: np.random.Generator) -> pd.Series:
    """Return ``n`` 10-digit strings in the NHS test range (starting "999").

    Distinct while ``n`` is at most :data:`NHS_TEST_POOL`; beyond it every test
    number appears at least once and the rest repeat one drawn at random (a person
    with several tumours), in random order.
    """
    if n <= NHS_TEST_POOL:
        drawn = rng.choice(NHS_TEST_POOL, size=n, replace=False)
    else:
        repeats = rng.integers(0, NHS_TEST_POOL, size=n - NHS_TEST_POOL)
        drawn = rng.permutation(np.concatenate([np.arange(NHS_TEST_POOL), repeats]))
    return _prefixed(NHS_TEST_PREFIX, drawn, 7)


def postcodes(n: int, rng: np.random.Generator) -> pd.Categorical:
    """Return pseudo-postcodes "ZZ99 dLL" (digit, two letters) as a categorical."""
    letters = np.array(list(string.ascii_uppercase))
    combos = np.array([
        f"{POSTCODE_DISTRICT} {d}{a}{b}" for d in range(10) for a in letters for b in letters
    ])
    codes = rng.integers(0, len(combos), size=n)
    return pd.Categorical.from_codes(codes, categories=combos)


def dates_of_birth(
    diagnosis: np.ndarray, age: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Return dates of birth (``datetime64[D]``) giving exactly ``age`` on ``diagnosis``.

    The ``age``-th birthday before diagnosis falls on the diagnosis day itself
    or up to 364 days earlier (Feb 29 diagnoses use Feb 28 in common years).
    """
    d = diagnosis.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month0 = d.astype("datetime64[M]").astype(np.int64) % 12
    day0 = (d - d.astype("datetime64[M]")).astype(np.int64)
    birth_year = year - age
    leap = (birth_year % 4 == 0) & ((birth_year % 100 != 0) | (birth_year % 400 == 0))
    day0 = np.where((month0 == 1) & (day0 == 28) & ~leap, 27, day0)
    anniversary = (
        (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[M]")
        + month0.astype("timedelta64[M]")
    ).astype("datetime64[D]") + day0.astype("timedelta64[D]")
    return anniversary - rng.integers(0, 365, size=len(d)).astype("timedelta64[D]")
