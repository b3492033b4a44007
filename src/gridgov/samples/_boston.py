"""Boston's city → ward → precinct codes, cleaned from the 311 data's mixed formats.

The 311 export writes a ward as ``"Ward 5"``, ``"05"`` or ``"5"`` and a precinct
as ``"509.0"``; a precinct number is ``ward * 100 + n``, so precincts nest in
wards.  These functions give the area codes of the shipped Boston sample
(``BOS``, ``BOS-W05``, ``BOS-W05-P09``) so tickets can be placed on its tree.
"""

from __future__ import annotations

import re

__all__ = [
    "BOSTON_CITY_CODE",
    "boston_area_code",
    "boston_precinct_code",
    "boston_ward_code",
    "clean_precinct",
    "clean_ward",
]

BOSTON_CITY_CODE = "BOS"
_WARD = re.compile(r"^(?:ward\s*)?0*(\d{1,2})(?:\.0+)?$", re.IGNORECASE)
_PRECINCT = re.compile(r"^0*(\d{3,4})(?:\.0+)?$")


def clean_ward(value: str) -> int | None:
    """``"Ward 5"``, ``"05"``, ``"5"`` → 5; blank → ``None``; anything else → ``ValueError``."""
    text = value.strip()
    if not text:
        return None
    match = _WARD.match(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"cannot read ward {value!r}: expected 'Ward 5', '05' or '5'")
    return int(match[1])


def clean_precinct(value: str) -> int | None:
    """``"509.0"`` → 509 (ward 5, precinct 9); blank → ``None``; else ``ValueError``."""
    text = value.strip()
    if not text:
        return None
    match = _PRECINCT.match(text)
    if match is None or int(match[1]) % 100 == 0:
        raise ValueError(f"cannot read precinct {value!r}: expected ward*100+n such as '509.0'")
    return int(match[1])


def boston_ward_code(ward: int) -> str:
    """The area code of a ward: 5 → ``"BOS-W05"``."""
    return f"{BOSTON_CITY_CODE}-W{ward:02d}"


def boston_precinct_code(precinct: int) -> str:
    """The area code of a precinct: 509 → ``"BOS-W05-P09"``."""
    ward, n = divmod(precinct, 100)
    return f"{boston_ward_code(ward)}-P{n:02d}"


def boston_area_code(ward: str, precinct: str) -> str:
    """The most precise area code a 311 row's ``ward`` and ``precinct`` cells give.

    The precinct wins (its number names its ward; the ward cell disagrees with it
    on a handful of rows); a ward alone gives the ward; neither gives the city.

    >>> boston_area_code("Ward 5", "509.0"), boston_area_code("05", ""), boston_area_code("", "")
    ('BOS-W05-P09', 'BOS-W05', 'BOS')
    """
    number = clean_precinct(precinct)
    if number is not None:
        return boston_precinct_code(number)
    ward_number = clean_ward(ward)
    return boston_ward_code(ward_number) if ward_number is not None else BOSTON_CITY_CODE
