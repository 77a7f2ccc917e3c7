"""Posture files: the built-in example validates; bad files name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from posture_builders import posture_dict

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


def test_negative_restraint_cap_names_the_entry(tmp_path: Path) -> None:
    d = posture_dict()
    d["restraint"] = {"x_values": [0, 5], "y_values": [10, -3]}
    f = write(tmp_path, d)
    with pytest.raises(InputError) as exc:
        load_posture(f)
    assert exc.value.location.field == "restraint.y_values.1"
    assert exc.value.location.line == line_of(f, "y_values") + 2
    assert "got -3" in exc.value.message


def test_costs_from_catalog_cards(tmp_path: Path) -> None:
    # The built-in posture prices from the parameter catalog (notional card values).
    from shieldlab.scenario.cards import load_catalog

    catalog = load_catalog()
    p = builtin_posture()
    assert p.blue.costs.missile == catalog["generic-srbm"].nominal["unit_cost_usd"]
    assert (
        p.red.costs.interceptor
        == (catalog["s400-class-medium-range-interceptor"].nominal["unit_cost_usd"])
    )
    assert "generic-srbm" in p.blue.costs.source and "NOTIONAL" in p.blue.costs.source
    d = posture_dict()
    d["blue"]["costs"] = {
        "missile_card": "generic-srbm",
        "decoy": 2.0,
        "interceptor": 3.0,
        "source": "test numbers",
    }
    costs = load_posture(write(tmp_path, d)).blue.costs
    assert costs.missile == catalog["generic-srbm"].nominal["unit_cost_usd"]
    assert costs.decoy == 2.0 and "test numbers" in costs.source


@pytest.mark.parametrize(
    ("costs", "field", "message"),
    [
        (
            {"missile_card": "no-such-card", "decoy": 1.0, "interceptor": 1.0, "source": "x"},
            "blue.costs.missile_card",
            "no catalog card",
        ),
        (
            {
                "missile_card": "generic-srbm",
                "missile": 3.0,
                "decoy": 1.0,
                "interceptor": 1.0,
                "source": "x",
            },
            "blue.costs.missile",
            "not both",
        ),
        (
            {"missile_card": "s400-class-battery", "decoy": 1.0, "interceptor": 1.0, "source": "x"},
            "blue.costs.missile_card",
            "no unit_cost_usd",
        ),
        ({"missile": 3.0, "decoy": 1.0, "interceptor": 1.0}, "blue.costs.source", "missing"),
    ],
)
def test_bad_costs(tmp_path: Path, costs: dict, field: str, message: str) -> None:
    d = posture_dict()
    d["blue"]["costs"] = costs
    f = write(tmp_path, d)
    with pytest.raises(InputError) as exc:
        load_posture(f)
    assert exc.value.location.field == field
    assert message in exc.value.message
    assert exc.value.location.line is not None and exc.value.location.line > line_of(f, "blue:")
