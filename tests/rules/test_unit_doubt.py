"""A plausible value unusual in its unit and usual in another: the unit is doubtful (issue 10).

ANC "2,1" with /mm³ chosen passes the plausible range (0 – 100 000 /mm³) and fails INC-07;
the report printed G/L. The form warns; the rules' ``unit_doubt`` says when.
"""

from __future__ import annotations

import pytest

from screening.rules import units


@pytest.mark.parametrize(
    ("test", "value", "unit", "doubt"),
    [
        ("anc", 2.1, "/mm3", ["G/L"]),  # the French report's PNN typed in /mm³
        ("anc", 2.1, "G/L", []),
        ("anc", 2.1, "10^9/L", []),  # a synonym of G/L: no doubt either
        ("anc", 2100, "/mm3", []),
        # Usual ANC: 100 – 50 000 /mm³, bounds included, exactly.
        ("anc", 100, "/mm3", []),
        ("anc", 99.99, "/mm3", []),  # unusual, and 99 990 /mm³ in G/L is unusual too
        ("anc", 50, "/mm3", ["G/L"]),  # 50 G/L = 50 000 /mm³, the usual maximum
        ("anc", 50.001, "/mm3", []),
        ("anc", 0.1, "G/L", []),  # 100 /mm³: usual
        ("anc", 0.099, "G/L", []),  # 99 /mm³ unusual; 0.099 /mm³ unusual too
        ("platelets", 231, "/mm3", ["G/L"]),
        ("platelets", 231, "G/L", []),
        ("platelets", 10_000, "/mm3", []),
        ("creatinine", 8.84, "µmol/L", ["mg/dL"]),  # 0.1 mg/dL: unusual; 8.84 mg/dL usual
        ("creatinine", 17.68, "umol/L", []),  # 0.2 mg/dL exactly: usual
        ("creatinine", 62, "µmol/L", []),
        ("creatinine", 62, "mg/dL", ["µmol/L"]),
        ("hemoglobin", 11.2, "g/L", ["g/dL", "mmol/L"]),  # 11.2 mmol/L = 18.0 g/dL: usual too
        ("hemoglobin", 112, "g/L", []),
        ("albumin", 38, "g/dL", ["g/L"]),
        ("albumin", 3.8, "g/dL", []),
        ("total_bilirubin", 0.3, "mg/dL", []),  # judged against its ULN: never doubted here
        ("alt", 3000, "U/L", []),
    ],
)
def test_unit_doubt(test: str, value: float, unit: str, doubt: list[str]) -> None:
    assert units.unit_doubt(test, value, unit) == doubt
