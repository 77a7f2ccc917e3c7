"""Study files: validation with file, line and field; the published JSON Schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from shieldlab.errors import InputError
from shieldlab.study import load_study, study_file_schema
from shieldlab.study.design import plan_study
from shieldlab.study.runner import load_base

GOOD = """\
version: 1
name: sweep
base:
  scenario: single-battery
factors:
  - name: raid_size
    path: raid.size
    values: [4, 8]
  - name: sspk
    path: interceptor_types.*.sspk.ballistic
    op: scale
    values: [0.9, 1.0]
replications: 100
seed: 5
"""


def _line(text: str, needle: str) -> int:
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln)


def _error(write: Callable[..., Path], text: str) -> InputError:
    p = write(text)
    with pytest.raises(InputError) as info:
        sf = load_study(p)
        scenario, posture = load_base(sf)
        plan_study(sf, scenario=scenario, posture=posture)
    assert info.value.location.file == str(p)
    return info.value


def test_good_file_loads(write: Callable[..., Path]) -> None:
    sf = load_study(write(GOOD))
    assert sf.study.name == "sweep"
    assert [f.name for f in sf.study.factors] == ["raid_size", "sspk"]
    assert sf.study.design.kind == "grid"


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "words"),
    [
        ("version: 1", "version: 2", "version:", "version", "unsupported study version"),
        ("replications: 100", "replications: 0", "replications:", "replications", ">= 1"),
        ("    values: [4, 8]", "    valuez: [4, 8]", "valuez", "factors.0.valuez", "unknown"),
        (
            "    op: scale",
            "    op: multiply",
            "op: multiply",
            "factors.1.op",
            "expected one of",
        ),
        ("seed: 5", "seed: -1", "seed:", "seed", ">= 0"),
    ],
)
def test_schema_errors_name_file_line_field(
    write: Callable[..., Path], old: str, new: str, needle: str, field: str, words: str
) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    err = _error(write, text)
    assert err.location.field == field
    assert err.location.line == _line(text, needle)
    assert words in err.message


def test_unknown_path_names_the_factor_line(write: Callable[..., Path]) -> None:
    text = GOOD.replace("interceptor_types.*.sspk.ballistic", "interceptor_types.*.sspk.balistic")
    err = _error(write, text)
    assert err.location.field == "factors.1.path"
    assert err.location.line == _line(text, "balistic")
    assert "no field 'balistic'" in err.message
    assert "ballistic" in err.message  # the fields that exist are listed


def test_unknown_list_item_lists_names(write: Callable[..., Path]) -> None:
    text = GOOD.replace("interceptor_types.*.sspk", "interceptor_types.nosuch.sspk")
    err = _error(write, text)
    assert "no item named 'nosuch'" in err.message
    assert "s400-class-long-range-interceptor" in err.message


def test_invalid_cell_value_names_cell_and_factor(write: Callable[..., Path]) -> None:
    # scale 2.0 pushes an SSPK of 0.5+ above 1: the cell, its values and the factor.
    text = GOOD.replace("values: [0.9, 1.0]", "values: [0.9, 2.0]")
    p = write(text)
    from shieldlab.study import run_study

    with pytest.raises(InputError) as info:
        run_study(p)
    err = info.value
    assert err.location.field == "factors.1"
    assert err.location.line == _line(text, "- name: sspk")
    assert "sspk=2" in err.message and "invalid scenario" in err.message


def test_sampled_design_needs_range(write: Callable[..., Path]) -> None:
    text = GOOD.replace("replications: 100", "design: {kind: lhs, samples: 8}\nreplications: 100")
    err = _error(write, text)
    assert err.location.field == "factors.0.range"
    assert "draws from a range" in err.message


def test_sobol_samples_power_of_two(write: Callable[..., Path]) -> None:
    text = """\
version: 1
name: s
base: {scenario: single-battery}
design: {kind: sobol, samples: 12}
factors:
  - {path: doctrine.decision_cycle_s, range: [1, 4]}
"""
    err = _error(write, text)
    assert err.location.field == "design.samples"
    assert "power of 2" in err.message


def test_card_range_refused_when_cards_disagree(write: Callable[..., Path]) -> None:
    text = """\
version: 1
name: s
base: {scenario: single-battery}
design: {kind: random, samples: 4}
factors:
  - {path: interceptor_types.*.sspk.ballistic, range: card}
"""
    err = _error(write, text)
    assert err.location.field == "factors.0.range"
    assert "different ranges" in err.message


def test_unknown_base_scenario(write: Callable[..., Path]) -> None:
    text = GOOD.replace("scenario: single-battery", "scenario: no-such-builtin")
    err = _error(write, text)
    assert err.location.field == "base.scenario"
    assert "four-batteries" in err.message


def test_list_design_needs_equal_lengths(write: Callable[..., Path]) -> None:
    text = GOOD.replace("factors:", "design: {kind: list}\nfactors:").replace(
        "values: [0.9, 1.0]", "values: [0.9, 1.0, 1.1]"
    )
    err = _error(write, text)
    assert err.location.field == "factors"
    assert "same number of values" in err.message


def test_posture_only_study_needs_posture_paths(write: Callable[..., Path]) -> None:
    text = GOOD.replace("scenario: single-battery", "posture: example")
    err = _error(write, text)
    assert err.location.field == "factors.0.path"


def test_json_schema_accepts_good_and_rejects_bad(write: Callable[..., Path]) -> None:
    schema = study_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(GOOD), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(GOOD.replace("op: scale", "op: multiply")), schema)
    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    assert len(sorted(docs.glob("study-*.yaml"))) == 3
    for p in sorted(docs.glob("study-*.yaml")):
        jsonschema.validate(yaml.safe_load(p.read_text(encoding="utf-8")), schema)
        sf = load_study(p)
        scenario, posture = load_base(sf)
        assert plan_study(sf, scenario=scenario, posture=posture).n_cells > 0
