"""Plausibility warnings of ``shieldlab validate`` (issue 20, item 8): a wave alone in
time, an aimpoint beyond its threat's range, threats no radar can see."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.engine.checks import ARRIVAL_GAP_WARN_S, scenario_warnings
from shieldlab.scenario import builtin_scenario, list_builtin_scenarios
from shieldlab.scenario.loader import builtin_dir, load_scenario

FOUR = (builtin_dir() / "four-batteries.yaml").read_text(encoding="utf-8")
NE = "launch_area: {lat_deg: -17.0, lon_deg: -12.5, radius_m: 30000}"
R_EARTH = 6_371_000.0  # core.ballistic.EARTH_RADIUS_M, the engine's sphere


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _line(text: str, needle: str) -> int:
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln)


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_EARTH * math.asin(math.sqrt(a))


@pytest.mark.parametrize("name", [b.name for b in list_builtin_scenarios()])
def test_builtins_have_no_warnings(name: str) -> None:
    assert scenario_warnings(builtin_scenario(name)) == []


def test_sign_typo_in_a_launch_latitude(tmp_path: Path) -> None:
    """-17.0 -> 17.0: the cruise wave flies ~4,100 km and lands hours after the rest."""
    text = FOUR.replace(NE, NE.replace("-17.0", "17.0"))
    p = _write(tmp_path, text)
    ws = scenario_warnings(load_scenario(p))
    kinds = [w.kind for w in ws]
    assert kinds == ["arrival-spread"] + ["unreachable-aimpoint"] * 3
    spread = ws[0]
    assert (spread.file, spread.line, spread.field) == (
        str(p),
        _line(text, "lat_deg: 17.0"),
        "raid.waves.0.launch_area",
    )
    assert "wave 'cruise-northeast' arrives 4.2 h after every other wave" in spread.message
    # independent recomputation: the nearest aimpoint (blue-depot, -19.8/-14.7) from the
    # launch area's edge at 240 m/s, against the latest arrival of the other waves
    # (< 2,000 s: the raid is timed to arrive within a few minutes, 1,496-1,920 s)
    lo = float(re.search(r"its threats at ([\d,]+)-", spread.message)[1].replace(",", ""))
    d_min = _haversine_m(17.0, -12.5, -19.8, -14.7) - 30_000.0
    assert d_min / 240.0 <= lo <= (d_min + 60_000.0) / 240.0 + 5 * 11
    reach = ws[1]
    assert reach.field == "raid.waves.0.aimpoints.0" and reach.line == _line(text, NE[:12]) + 3
    d = _haversine_m(17.0, -12.5, -20.4, -14.6) - 30_000.0  # blue-airfield
    assert f"is {d / 1e3:,.0f} km from the launch area of wave 'cruise-northeast'" in reach.message
    assert "beyond the 2,500 km range of 'generic-cruise-missile'" in reach.message


def _shift(text: str, wave: str, seconds: float) -> str:
    """Add ``seconds`` to the start_s of the wave called ``wave``."""
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.strip() == f"- name: {wave}")
    j = next(k for k in range(i, len(lines)) if lines[k].strip().startswith("start_s:"))
    old = float(lines[j].split(":")[1])
    lines[j] = lines[j].split("start_s:")[0] + f"start_s: {old + seconds:g}"
    return "\n".join(lines) + "\n"


def test_arrival_threshold_and_two_raids_apart(tmp_path: Path) -> None:
    # the SRBM second salvo arrives last (~1,920 s) and alone at its end: late by less
    # than the threshold is no warning, late by more is one
    near = _shift(FOUR, "srbm-second-salvo", ARRIVAL_GAP_WARN_S - 600.0)
    assert scenario_warnings(load_scenario(_write(tmp_path, near))) == []
    far = _shift(FOUR, "srbm-second-salvo", ARRIVAL_GAP_WARN_S + 600.0)
    ws = scenario_warnings(load_scenario(_write(tmp_path, far)))
    assert [(w.kind, w.field) for w in ws] == [("arrival-spread", "raid.waves.5.launch_area")]
    # a second raid two hours later (three waves together) is not a typo
    two = FOUR
    for wave in ("srbm-first-salvo", "decoys", "srbm-second-salvo"):
        two = _shift(two, wave, 7200.0)
    assert scenario_warnings(load_scenario(_write(tmp_path, two))) == []


@settings(max_examples=8, deadline=None)
@given(st.floats(min_value=0.0, max_value=40_000.0))
def test_shifting_the_whole_raid_changes_nothing(offset: float) -> None:
    """Only relative arrival times count: the same shift of every wave gives the same
    warnings (here: the late second salvo, and nothing else)."""
    base = _shift(FOUR, "srbm-second-salvo", 4000.0)
    shifted = base
    for wave in (
        "cruise-northeast",
        "cruise-northwest",
        "strike-package",
        "srbm-first-salvo",
        "decoys",
        "srbm-second-salvo",
    ):
        shifted = _shift(shifted, wave, offset)
    from shieldlab.scenario.loader import scenario_from_data
    from shieldlab.scenario.yamlio import load_yaml_text

    def kinds(text: str) -> list[tuple[str, str]]:
        data, lm = load_yaml_text(text, file="x.yaml")
        return [(w.kind, w.field) for w in scenario_warnings(scenario_from_data(data, lm, "x"))]

    assert kinds(shifted) == kinds(base) == [("arrival-spread", "raid.waves.5.launch_area")]


def test_threats_outside_every_radar(tmp_path: Path) -> None:
    """Batteries moved 40 degrees north (a sign typo on each): no radar sees the raid."""
    text = FOUR
    for lat in ("-19.75", "-20.10", "-20.35", "-20.00, lon_deg: -15.45"):
        text = text.replace(f"position: {{lat_deg: {lat}", f"position: {{lat_deg: {lat[1:]}")
    p = _write(tmp_path, text)
    ws = [w for w in scenario_warnings(load_scenario(p)) if w.kind == "no-radar-coverage"]
    assert [w.field for w in ws] == [f"raid.waves.{i}" for i in range(6)]
    assert "12 of 12 threats of wave 'cruise-northeast' never enter any radar's" in ws[0].message
    assert ws[0].line == _line(text, "- name: cruise-northeast")


def test_validate_prints_warnings_exit_0_strict_exit_2(tmp_path: Path) -> None:
    p = _write(tmp_path, FOUR.replace(NE, NE.replace("-17.0", "17.0")))
    res = run_cli("validate", str(p))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("; 4 warnings")
    err = res.stderr.strip().splitlines()
    assert len(err) == 4 and all(ln.startswith(f"shieldlab: warning: {p}:") for ln in err)
    strict = run_cli("validate", str(p), "--strict")
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines()[-1] == "shieldlab: 4 warnings and --strict: exit 2"
    js = run_cli("validate", str(p), "--json")
    assert js.returncode == 0
    got = json.loads(js.stdout)["warnings"]
    assert [w["kind"] for w in got][:1] == ["arrival-spread"] and got[0]["line"] is not None
    clean = run_cli("validate", str(builtin_dir() / "four-batteries.yaml"), "--strict")
    assert clean.returncode == 0 and clean.stderr == ""
