"""Posture files: the built-in example validates; bad files name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import posture_dict

from shieldlab.errors import InputError
from shieldlab.stability.posture import (
    BUILTIN_POSTURES,
    builtin_posture,
    load_posture,
    parse_posture_text,
)


def test_builtin_loads() -> None:
    assert "example" in BUILTIN_POSTURES
    p = builtin_posture()
    assert p.blue.offence.launchers > 0 and p.red.defence.interceptors > 0
    assert p.restraint is not None and len(p.restraint.x_values) == 20
    assert len(p.restraint.y_values) == 20


def test_unknown_builtin() -> None:
    with pytest.raises(InputError, match="no built-in posture"):
        builtin_posture("nope")


def write(tmp_path: Path, data: dict) -> Path:
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    return f


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_roundtrip_file(tmp_path: Path) -> None:
    f = write(tmp_path, posture_dict())
    assert load_posture(f).blue.offence.launchers == 100


@pytest.mark.parametrize(
    ("mutate", "field", "needle", "message"),
    [
        (lambda d: d["red"]["defence"].__setitem__("sspk", 1.5), "red.defence.sspk", "sspk", "1"),
        (
            lambda d: d["blue"]["offence"].__setitem__("launchers", -3),
            "blue.offence.launchers",
            "launchers",
            "0",
        ),
        (
            lambda d: d["blue"]["deterrence"].__setitem__("expected", 3.0),
            "blue.deterrence.probability",
            "probability",
            "exactly one",
        ),
        (
            lambda d: d["red"]["costs"].__setitem__("misile", 3.0),
            "red.costs.misile",
            "misile",
            "unknown field",
        ),
        (lambda d: d.__setitem__("schema_version", 2), "schema_version", "schema_version", "1"),
    ],
)
def test_bad_posture_names_file_line_field(
    tmp_path: Path,
    mutate,
    field: str,
    needle: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    d = posture_dict()
    mutate(d)
    f = write(tmp_path, d)
    with pytest.raises(InputError) as exc:
        load_posture(f)
    err = exc.value
    assert err.location.field == field
    assert err.location.file == str(f)
    assert err.location.line is not None
    # The line is the offending key's line within the right side's block.
    side = field.split(".")[0]
    if side in ("blue", "red"):
        assert err.location.line > line_of(f, f"{side}:")
    assert message in err.message


def test_missing_block_and_malformed(tmp_path: Path) -> None:
    d = posture_dict()
    del d["red"]["valuation"]
    with pytest.raises(InputError) as exc:
        load_posture(write(tmp_path, d))
    assert exc.value.location.field == "red.valuation"
    with pytest.raises(InputError, match="malformed YAML"):
        parse_posture_text("blue: [1, 2\n")
    with pytest.raises(InputError, match="not found"):
        load_posture(tmp_path / "missing.yaml")


def test_restraint_caps_must_differ(tmp_path: Path) -> None:
    d = posture_dict()
    d["restraint"] = {"x_cap": "launchers", "x_values": [1], "y_cap": "launchers", "y_values": [2]}
    with pytest.raises(InputError) as exc:
        load_posture(write(tmp_path, d))
    assert exc.value.location.field == "restraint.y_cap"
