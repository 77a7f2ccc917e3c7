"""The published JSON Schema accepts the shipped scenario files and rejects broken ones."""

from __future__ import annotations

import pytest
from scenario_samples import BASE

from shieldlab.scenario.loader import builtin_dir
from shieldlab.scenario.schema import scenario_file_schema
from shieldlab.scenario.yamlio import load_yaml_text

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():  # type: ignore[no-untyped-def]
    schema = scenario_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["four-batteries", "single-battery", "closed-form"])
def test_builtin_files_with_cards_match_the_schema(validator, name: str) -> None:  # type: ignore[no-untyped-def]
    data = load_yaml_text((builtin_dir() / f"{name}.yaml").read_text(encoding="utf-8"))[0]
    assert list(validator.iter_errors(data)) == []


def test_full_sample_matches_the_schema(validator) -> None:  # type: ignore[no-untyped-def]
    assert list(validator.iter_errors(load_yaml_text(BASE)[0])) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("schema_version: 1", "schema_version: 2"),
        ("    value: 2", "    value: 2\n    colour: blue"),
        ("reliability: 0.9", "reliability: 1.5"),
        ("speed_mps: 240", "speed_mps: -240"),
        ("threat_class: ballistic", "threat_class: hypersonic"),
    ],
)
def test_schema_rejects_broken_files(validator, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    data = load_yaml_text(BASE.replace(old, new, 1))[0]
    assert list(validator.iter_errors(data)) != []


def test_schema_card_slots_name_only_cards_of_the_right_kind(validator) -> None:  # type: ignore[no-untyped-def]
    data = load_yaml_text((builtin_dir() / "single-battery.yaml").read_text(encoding="utf-8"))[0]
    data["threat_types"] = [{"card": "s400-class-battery"}]
    assert list(validator.iter_errors(data)) != []
