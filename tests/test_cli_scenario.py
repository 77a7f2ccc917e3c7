"""CLI: shieldlab validate / schema / scenarios, and every class of bad input -> exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.scenario.loader import builtin_dir

FOUR = builtin_dir() / "four-batteries.yaml"
CLOSED = (builtin_dir() / "closed-form.yaml").read_text(encoding="utf-8")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _line(text: str, needle: str) -> int:
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln)


def test_validate_ok_prints_one_line_summary() -> None:
    res = run_cli("validate", str(FOUR))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"OK {FOUR}: scenario 'four-batteries'")
    assert "64 threats in 6 waves" in lines[0]


def test_validate_json() -> None:
    res = run_cli("validate", str(FOUR), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["valid"] is True
    assert (out["scenario"], out["threats"], out["batteries"]) == ("four-batteries", 64, 4)
    assert "s400-class-battery" in out["cards"]


def test_validate_json_error_is_one_object_and_exit_2(tmp_path: Path) -> None:
    text = CLOSED.replace("reliability: 1.0", "reliability: 1.2")
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    res = run_cli("validate", str(p), "--json")
    assert res.returncode == 2
    out = json.loads(res.stdout)
    assert out["valid"] is False
    assert out["error"]["field"] == "interceptor_types.0.reliability"
    assert out["error"]["line"] == _line(text, "reliability: 1.2")
    assert "Traceback" not in res.stderr


# (id, file content or None for "missing", expected message fragment, field, line needle)
BAD_INPUTS: list[tuple[str, str | bytes | None, str, str | None, str | None]] = [
    ("missing file", None, "file not found", None, None),
    ("empty file", "", "file is empty", None, None),
    ("binary file", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary", None, None),
    ("not utf-8", b"name: caf\xe9\n", "not UTF-8", None, None),
    ("malformed yaml", "schema_version: 1\nname: [x\norigin: 1\n", "malformed YAML", None, None),
    ("not a mapping", "- a\n- b\n", "top level must be a mapping", None, None),
    ("duplicate key", CLOSED.replace("name: closed-form", "name: a\nname: b"), "duplicate key",
     "name", "name: b"),
    ("unknown key", CLOSED.replace(", value: 1}", ", value: 1, colour: blue}"),
     "unknown field 'colour'", "assets.0.colour", "colour"),
    ("missing field", CLOSED.replace("    avg_speed_mps: 1000\n", ""), "missing required field",
     "interceptor_types.0.avg_speed_mps", "- name: test-round"),
    ("unknown schema_version", CLOSED.replace("schema_version: 1", "schema_version: 7"),
     "unsupported schema_version 7; this shieldlab reads schema_version 1", "schema_version",
     "schema_version: 7"),
    ("negative speed", CLOSED.replace("speed_mps: 200", "speed_mps: -200"), "must be > 0",
     "threat_types.0.speed_mps", "speed_mps: -200"),
    ("probability outside [0, 1]", CLOSED.replace("cruise: 0.6", "cruise: 1.6"), "must be <= 1",
     "interceptor_types.0.sspk.cruise", "sspk:"),
    ("min range above max", CLOSED.replace("min_range_m: 1000", "min_range_m: 200000"),
     "is above max_range_m", "interceptor_types.0.min_range_m", "min_range_m: 200000"),
    ("aimpoint naming no asset", CLOSED.replace("aimpoints: [blue-site]", "aimpoints: [red-x]"),
     "aimpoint 'red-x' names no asset", "raid.waves.0.aimpoints.0", "aimpoints: [red-x]"),
    ("unknown card", CLOSED.replace("  - name: target-drone", "  - card: no-card\n    name: x"),
     "unknown card 'no-card'", "threat_types.0.card", "card: no-card"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "fragment", "field", "needle"),
    [b[1:] for b in BAD_INPUTS],
    ids=[b[0] for b in BAD_INPUTS],
)
def test_bad_input_exit_2_one_line_with_file_line_field(
    tmp_path: Path,
    content: str | bytes | None,
    fragment: str,
    field: str | None,
    needle: str | None,
) -> None:
    assert content != CLOSED  # the mutation applied
    p = tmp_path / "scenario.yaml"
    if isinstance(content, bytes):
        p.write_bytes(content)
    elif content is not None:
        p.write_text(content, encoding="utf-8")
    res = run_cli("validate", str(p))
    assert res.returncode == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    msg = lines[0]
    assert msg.startswith(f"shieldlab: error: {p}")
    assert fragment in msg
    if field is not None:
        assert f"field '{field}'" in msg
    if needle is not None:
        assert isinstance(content, str)
        assert msg.startswith(f"shieldlab: error: {p}:{_line(content, needle)}, ")


def test_file_over_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "huge.yaml"
    p.write_text(CLOSED + "#" * (1024 * 1024) + "\n", encoding="utf-8")
    res = run_cli("validate", str(p))
    assert res.returncode == 2
    assert "over the size limit of 1048576 bytes" in res.stderr
    assert "Traceback" not in res.stderr


def test_directory_is_refused(tmp_path: Path) -> None:
    res = run_cli("validate", str(tmp_path))
    assert res.returncode == 2
    assert "is a directory" in res.stderr


def test_schema_prints_json_schema_with_cards() -> None:
    res = run_cli("schema")
    assert res.returncode == 0, res.stderr
    schema = json.loads(res.stdout)
    assert schema["properties"]["schema_version"]["const"] == 1
    assert "Scenario" in schema["title"] or "scenario" in schema["title"]
    for d in ("Battery", "Radar", "InterceptorType", "ThreatType", "Wave", "Doctrine"):
        assert d in schema["$defs"]
    slots = schema["properties"]["batteries"]["items"]["anyOf"]
    assert slots[0] == {"$ref": "#/$defs/Battery"}
    assert slots[1]["properties"]["card"]["enum"] == ["s400-class-battery"]
    assert schema["$defs"]["Radar"]["additionalProperties"] is False


def test_schema_output_file(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "schema.json"
    res = run_cli("schema", "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["properties"]["schema_version"]["const"] == 1
    assert [p.name for p in out.parent.iterdir()] == ["schema.json"]  # no temp file left


def test_scenarios_lists_builtins() -> None:
    res = run_cli("scenarios")
    assert res.returncode == 0, res.stderr
    for name in ("four-batteries", "single-battery", "closed-form"):
        assert name in res.stdout


def test_scenarios_json() -> None:
    res = run_cli("scenarios", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)["scenarios"]}
    assert rows["four-batteries"]["threats"] == 64
    assert rows["four-batteries"]["batteries"] == 4
    assert rows["closed-form"]["description"]


def test_validate_without_argument_is_usage_error() -> None:
    res = run_cli("validate")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
