"""Fuzz: malformed scenario, posture, sensor and plots-CSV files, through the CLI.

Each test mutates a valid file (``_contract.yaml_mutations`` / ``csv_mutations``: nasty
values, deleted, duplicated, swapped or re-indented lines, junk text and bytes, truncation,
alias bombs), runs the command that reads it -- ``validate``, ``run``, ``stability ...``,
``track`` -- in this process, and checks the error contract (``_contract.assert_contract``):
exit 0, or exit 2 with one stderr line naming the file; never exit 1 or a traceback; no
output file created or changed on failure. Hypothesis runs derandomized with a fixed number
of examples (``SHIELDLAB_FUZZ_EXAMPLES`` scales it; ``benchmarks/fuzz_report.py`` runs more
and prints the outcomes by class). A few fixed nasty inputs also run in real processes.
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

import pytest
from _contract import (
    Outcome,
    Tally,
    assert_contract,
    csv_mutations,
    run_cli,
    run_subprocess,
    snapshot,
    yaml_mutations,
)
from hypothesis import HealthCheck, given, settings

from shieldlab.scenario.loader import builtin_dir

#: Examples per test (x ``SHIELDLAB_FUZZ_EXAMPLES`` / 100 when that is set).
SCALE = float(os.environ.get("SHIELDLAB_FUZZ_EXAMPLES", "100")) / 100.0
TALLY = Tally()


def _fuzz(examples: int) -> settings:
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


SCENARIO = (builtin_dir() / "single-battery.yaml").read_text(encoding="utf-8")
POSTURE = (
    resources.files("shieldlab.stability")
    .joinpath("postures", "example.yaml")
    .read_text(encoding="utf-8")
)
SENSORS = """\
origin: {lat_deg: 50.0, lon_deg: 20.0, alt_m: 0}
sensors:
  - id: A
    position_enu_m: [0, 0, 10]
    sigma_range_m: 20
    sigma_azimuth_deg: 0.1
    sigma_elevation_deg: 0.1
    max_range_m: 250000
    min_elevation_deg: 0
  - id: B
    position: {lat_deg: 50.0, lon_deg: 20.5, alt_m: 10}
    sigma_range_m: 20
    sigma_azimuth_deg: 0.1
    sigma_elevation_deg: 0.1
    sigma_position_m: 30
"""
POLAR = "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n" + "".join(
    f"{k},{s},{36000 + 120 * k + 900 * (s == 'B')},{33.7 - 0.05 * k},{9.5 - 0.02 * k}\n"
    for k in range(8)
    for s in ("A", "B")
)
CARTESIAN = "time_s,sensor_id,x_m,y_m,z_m\n" + "".join(
    f"{2 * k},R1,{400 * k:.1f},{-150 * k + 3e4:.1f},{5000 + k:.1f}\n"
    f"{2 * k},R1,{-300 * k + 2e4:.1f},{200 * k:.1f},{7000.0:.1f}\n"
    for k in range(8)
)


def _write(directory: Path, name: str, data: bytes | str) -> Path:
    p = directory / name
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    return p


def check(
    loader: str,
    args: list[str],
    file: Path,
    outputs: tuple[Path, ...] = (),
    other_inputs: tuple[Path, ...] = (),
) -> Outcome:
    """Run ``args``, count the outcome for ``loader``, check the contract: an exit-2 message
    names ``file`` or one of ``other_inputs`` (a problem of the pair: a plot of a sensor the
    fuzzed sensor file lost)."""
    before = snapshot(list(outputs))
    # The tracker on plots: inf or NaN from an input is a breach, not a result.
    o = run_cli(args)
    TALLY.add(loader, o, file)
    assert_contract(o, file=(file, *other_inputs), outputs=before)
    return o


def test_the_unmutated_files_pass() -> None:
    """The bases are valid: every fuzzed failure comes from the mutation."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        sc, po = _write(d, "s.yaml", SCENARIO), _write(d, "p.yaml", POSTURE)
        se, pol = _write(d, "sensors.yaml", SENSORS), _write(d, "polar.csv", POLAR)
        cart = _write(d, "cart.csv", CARTESIAN)
        out = d / "tracks.csv"
        for args in (
            ["validate", str(sc)],
            ["run", str(sc), "--replications", "2", "--json"],
            ["validate", str(po)],
            ["stability", "first-strike", str(po), "--steps", "3"],
            ["validate", str(se)],
            ["track", str(pol), "--out", str(out), "--sensors", str(se)],
            ["track", str(cart), "--out", str(out)],
        ):
            o = run_cli(args)
            assert o.code == 0, (args, o.err)
        assert out.read_text().startswith("time_s,track_id")


# --- scenario ----------------------------------------------------------------------------


@_fuzz(50)
@given(m=yaml_mutations(SCENARIO))
def test_fuzz_scenario_validate(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = _write(Path(tmp), "scenario.yaml", m[1])
        check("scenario", ["validate", str(f)], f)
        check("scenario", ["validate", str(f), "--json"], f)


@_fuzz(20)
@given(m=yaml_mutations(SCENARIO))
def test_fuzz_scenario_run(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = _write(Path(tmp), "scenario.yaml", m[1])
        check("scenario", ["run", str(f), "--replications", "2", "--json"], f)


# --- posture -----------------------------------------------------------------------------


@_fuzz(40)
@given(m=yaml_mutations(POSTURE))
def test_fuzz_posture_validate(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = _write(Path(tmp), "posture.yaml", m[1])
        check("posture", ["validate", str(f)], f)


@_fuzz(20)
@given(m=yaml_mutations(POSTURE))
def test_fuzz_posture_stability(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = _write(Path(tmp), "posture.yaml", m[1])
        check("posture", ["stability", "first-strike", str(f), "--steps", "3"], f)
        check("posture", ["stability", "race", str(f), "--periods", "3", "--json"], f)
        check("posture", ["stability", "penetration", str(f), "--max-raid", "50"], f)


# --- sensors -----------------------------------------------------------------------------


@_fuzz(50)
@given(m=yaml_mutations(SENSORS))
def test_fuzz_sensor_file(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f = _write(d, "sensors.yaml", m[1])
        det = _write(d, "polar.csv", POLAR)
        out = _write(d, "tracks.csv", "previous\n")
        check(
            "sensors",
            ["track", str(det), "--out", str(out), "--sensors", str(f)],
            f,
            (out,),
            (det,),
        )


# --- plots CSV ---------------------------------------------------------------------------


@_fuzz(60)
@given(m=csv_mutations(CARTESIAN))
def test_fuzz_cartesian_plots(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f = _write(d, "plots.csv", m[1])
        out = d / "tracks.csv"  # absent: a failure must not create it
        check("plots CSV", ["track", str(f), "--out", str(out)], f, (out,))


@_fuzz(40)
@given(m=csv_mutations(POLAR))
def test_fuzz_polar_plots(m: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f = _write(d, "plots.csv", m[1])
        se = _write(d, "sensors.yaml", SENSORS)
        out = _write(d, "tracks.csv", "previous\n")
        check(
            "plots CSV",
            ["track", str(f), "--out", str(out), "--sensors", str(se), "--association", "jpda"],
            f,
            (out,),
            (se,),
        )


# --- real processes ----------------------------------------------------------------------

_DEEP = "a: " + "[" * 200 + "]" * 200 + "\n"
_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)


@pytest.mark.parametrize(
    ("name", "content", "command"),
    [
        ("big.yaml", SCENARIO.replace("count: 8", "count: " + "9" * 5000), ["validate"]),
        ("deep.yaml", POSTURE + _DEEP, ["stability", "first-strike"]),
        ("bomb.yaml", SCENARIO + _BOMB, ["run", "--replications", "1"]),
        ("posture.yaml", POSTURE, ["run", "--replications", "1"]),
        ("scenario.yaml", SCENARIO, ["stability", "restore"]),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00", ["track", "--out", "OUT"]),
        (
            "sensors.yaml",
            SENSORS.replace("0.1", "1e300", 1),
            ["track", "--out", "OUT", "--sensors"],
        ),
    ],
)
def test_nasty_inputs_in_a_real_process(
    tmp_path: Path, name: str, content: str | bytes, command: list[str]
) -> None:
    f = _write(tmp_path, name, content)
    out = tmp_path / "tracks.csv"
    if "--sensors" in command:
        det = _write(tmp_path, "polar.csv", POLAR)
        args = ["track", str(det), "--out", str(out), "--sensors", str(f)]
    else:
        args = [a.replace("OUT", str(out)) for a in command]
        args.insert(2 if command[0] == "stability" else 1, str(f))
    o = run_subprocess(args)
    TALLY.add("real process", o, f)
    assert o.code == 2, (args, o.err)
    assert_contract(o, file=f, outputs={out: None})


# --- every nasty value, deterministically ---------------------------------------------------
# The random mutations above reach a given nasty value only now and then; these put each of
# them into a number field and a text field of every loader, so a regression in any class
# (a 5000-digit integer, 1e999, a tag, a control character) fails on every run.

_TARGETS = {
    # loader: (base text, file name, [line prefixes to replace the value of])
    "scenario": (SCENARIO, "scenario.yaml", ["      count:", "name:"]),
    "posture": (POSTURE, "posture.yaml", ["    launchers:", "name:"]),
    "sensors": (SENSORS, "sensors.yaml", ["    sigma_range_m:", "  - id:"]),
}


def _args(loader: str, f: Path, d: Path) -> tuple[list[str], tuple[Path, ...], tuple[Path, ...]]:
    if loader == "sensors":
        det, out = _write(d, "polar.csv", POLAR), d / "tracks.csv"
        return ["track", str(det), "--out", str(out), "--sensors", str(f)], (out,), (det,)
    if loader == "posture":
        return ["stability", "first-strike", str(f), "--steps", "3"], (), ()
    return ["validate", str(f)], (), ()


@pytest.mark.parametrize("loader", sorted(_TARGETS))
def test_every_nasty_value_in_every_yaml_loader(loader: str) -> None:
    from _contract import NASTY_VALUES

    base, name, prefixes = _TARGETS[loader]
    lines = base.splitlines(keepends=True)
    for prefix in prefixes:
        i = next(k for k, line in enumerate(lines) if line.startswith(prefix))
        for value in NASTY_VALUES:
            text = "".join(lines[:i]) + f"{prefix} {value}\n" + "".join(lines[i + 1 :])
            with tempfile.TemporaryDirectory() as tmp:
                d = Path(tmp)
                f = _write(d, name, text)
                args, outputs, others = _args(loader, f, d)
                check(loader, args, f, outputs, others)


@pytest.mark.parametrize("base", ["cartesian", "polar"])
def test_every_nasty_cell_in_every_column(base: str) -> None:
    from _contract import NASTY_CELLS

    text = CARTESIAN if base == "cartesian" else POLAR
    lines = text.splitlines()
    for j in range(len(lines[2].split(","))):
        for cell in NASTY_CELLS:
            cells = lines[2].split(",")
            cells[j] = cell
            mutated = "\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n"
            with tempfile.TemporaryDirectory() as tmp:
                d = Path(tmp)
                f = _write(d, "plots.csv", mutated)
                out = d / "tracks.csv"
                args = ["track", str(f), "--out", str(out)]
                others: tuple[Path, ...] = ()
                if base == "polar":
                    se = _write(d, "sensors.yaml", SENSORS)
                    args += ["--sensors", str(se)]
                    others = (se,)
                check("plots CSV", args, f, (out,), others)
