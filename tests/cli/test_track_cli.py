"""``shieldlab track``: happy paths and every class of malformed input (exit 2, file:line)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shieldlab.cli.main import main
from shieldlab.core import coords

HEADER = "time_s,sensor_id,x_m,y_m,z_m"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _cartesian_csv(path: Path, n_scans: int = 20) -> None:
    rng = np.random.default_rng(0)
    p0 = np.array([[0.0, 0.0, 5e3], [3e4, 1e4, 7e3]])
    v = np.array([[200.0, 0.0, 0.0], [-100.0, 150.0, 0.0]])
    lines = [HEADER]
    for k in range(n_scans):
        for p in p0 + v * (2.0 * k) + rng.normal(0, 20.0, (2, 3)):
            lines.append(f"{k * 2.0},R1,{p[0]:.2f},{p[1]:.2f},{p[2]:.2f}")
    path.write_text("\n".join(lines) + "\n")


def test_cartesian_happy_path_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    _cartesian_csv(det)
    code, stdout, err = _run(
        ["track", str(det), "--out", str(out), "--measurement-sigma-m", "20", "--json"], capsys
    )
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["tracks_confirmed"] == 2
    assert summary["scans"] == 20 and summary["detections"] == 40
    lines = out.read_text().splitlines()
    assert lines[0] == "time_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps"
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    assert rows.shape[0] == summary["rows"] == 2 * 19  # confirmed from the 2nd scan (2/3)
    last = rows[rows[:, 0] == 38.0]
    vel = last[np.argsort(last[:, 2]), 5:8]
    np.testing.assert_allclose(vel, [[200.0, 0, 0], [-100.0, 150.0, 0]], atol=15.0)


@pytest.mark.parametrize(
    "extra",
    [
        ["--association", "jpda"],
        ["--filter", "imm"],
        ["--filter", "ukf"],
        ["--filter", "imm", "--association", "jpda"],
    ],
)
def test_options_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    _cartesian_csv(det)
    code, stdout, err = _run(["track", str(det), "--out", str(out), "--json", *extra], capsys)
    assert code == 0, err
    assert json.loads(stdout)["tracks_confirmed"] == 2


def test_polar_plots_with_sensor_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        "origin: {lat_deg: 50.0, lon_deg: 20.0, alt_m: 0}\n"
        "sensors:\n"
        "  - id: A\n"
        "    position_enu_m: [0, 0, 10]\n"
        "    sigma_range_m: 20\n"
        "    sigma_azimuth_deg: 0.1\n"
        "    sigma_elevation_deg: 0.1\n"
        "  - id: B\n"
        "    position: {lat_deg: 50.0, lon_deg: 20.5, alt_m: 10}\n"
        "    sigma_range_m: 20\n"
        "    sigma_azimuth_deg: 0.1\n"
        "    sigma_elevation_deg: 0.1\n"
    )
    from shieldlab.sensors.config import load_sensor_file

    geo = load_sensor_file(sensors)
    rng = np.random.default_rng(1)
    lines = ["time_s,sensor_id,range_m,azimuth_deg,elevation_deg"]
    p0, v = np.array([2e4, 3e4, 6e3]), np.array([150.0, -100.0, 0.0])
    for k in range(15):
        p = p0 + v * k
        for name in ("A", "B"):
            g = geo[name]
            rel = p - np.asarray(g.position_enu_m)
            rot = g.rotation_matrix()
            if rot is not None:
                rel = rot @ rel
            r, az, el = coords.enu_to_aer(rel)
            r += rng.normal(0, 20.0)
            lines.append(f"{k},{name},{r:.2f},{math.degrees(az):.5f},{math.degrees(el):.5f}")
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    det.write_text("\n".join(lines) + "\n")
    code, stdout, err = _run(
        ["track", str(det), "--out", str(out), "--sensors", str(sensors), "--json"], capsys
    )
    assert code == 0, err
    assert json.loads(stdout)["tracks_confirmed"] == 1
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    np.testing.assert_allclose(rows[-1, 2:5], p0 + v * 14, atol=150.0)


BAD_CSV = {
    "missing column": ("time_s,sensor_id,x_m,y_m\n0,R1,1,2\n", ":1", "z_m"),
    "not a number": (f"{HEADER}\n0,R1,1,2,3\n1,R1,1,abc,3\n", ":3", "y_m"),
    "nan time": (f"{HEADER}\n0,R1,1,2,3\nnan,R1,1,2,3\n", ":3", "time_s"),
    "unsorted": (f"{HEADER}\n1,R1,1,2,3\n0.5,R1,1,2,3\n", ":3", "sorted"),
    "wrong field count": (f"{HEADER}\n0,R1,1,2,3\n1,R1,1,2\n", ":3", "fields"),
    "empty": ("", ":1", "empty"),
    "empty sensor": (f"{HEADER}\n0,,1,2,3\n", ":2", "sensor_id"),
    "infinite value": (f"{HEADER}\n0,R1,inf,2,3\n", ":2", "x_m"),
    "binary": ("\x00\x01\x02", "", "binary"),
    # Found by the fuzz suite: the tracker's covariances overflowed (NaN tracks, exit 0).
    "plot beyond any radar": (f"{HEADER}\n0,R1,1,2,3\n1,R1,1,1e200,3\n", ":3", "y_m"),
    "range beyond any radar": (
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1e15,10,1\n",
        ":2",
        "range_m",
    ),
    # Found by the fuzz suite: the polar model is singular there (NaN tracks, exit 0).
    "range 0": (
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,1\n1,A,0,10,1\n",
        ":3",
        "range_m",
    ),
    "zenith plot": (
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,90\n",
        ":2",
        "elevation_deg",
    ),
    "elevation beyond the nadir": (
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,-135\n",
        ":2",
        "elevation_deg",
    ),
    "polar without sensors": (
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,1\n",
        ":1",
        "--sensors",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_malformed_csv_exit_2_with_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, where, what = BAD_CSV[case]
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    det.write_text(text)
    out.write_text("previous contents\n")
    code, _, err = _run(["track", str(det), "--out", str(out)], capsys)
    assert code == 2
    assert f"{det}{where}" in err and what in err, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert out.read_text() == "previous contents\n"  # nothing half-written
    assert not list(tmp_path.glob(".tracks.csv.*"))


def test_directory_and_unwritable_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["track", str(tmp_path), "--out", str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "is a directory" in err
    det = tmp_path / "det.csv"
    _cartesian_csv(det, 3)
    code, _, err = _run(["track", str(det), "--out", str(tmp_path)], capsys)
    assert code == 2 and "--out" in err and "directory" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(["track", str(det), "--out", str(blocker / "o.csv")], capsys)
    assert code == 2 and "--out" in err and "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.csv"
    code, _, err = _run(["track", str(tmp_path / "nope.csv"), "--out", str(out)], capsys)
    assert code == 2 and "nope.csv" in err and "no such file" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--p-detect", "1.5"),
        ("--clutter-per-scan", "-1"),
        ("--measurement-sigma-m", "0"),
        # Caps (issue 10 item 2): were accepted, and fed the tracker 1e300**2.
        ("--measurement-sigma-m", "1e300"),
        ("--measurement-sigma-m", "10001"),
        ("--clutter-per-scan", "1e12"),
        ("--process-noise", "nan"),
        ("--confirm", "5/3"),
        ("--association", "mht"),
        ("--filter", "mht"),
    ],
)
def test_bad_option_values(
    option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    det = tmp_path / "det.csv"
    _cartesian_csv(det, 3)
    code, _, err = _run(
        ["track", str(det), "--out", str(tmp_path / "o.csv"), option, value], capsys
    )
    assert code == 2 and option in err, err


def test_bad_sensor_file_names_file_line_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sensors = tmp_path / "s.yaml"
    sensors.write_text(
        "sensors:\n  - id: A\n    position_enu_m: [0, 0, 0]\n    sigma_range_m: -3\n"
    )
    det = tmp_path / "det.csv"
    det.write_text("time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,1\n")
    code, _, err = _run(
        ["track", str(det), "--out", str(tmp_path / "o.csv"), "--sensors", str(sensors)], capsys
    )
    assert code == 2 and f"{sensors}:4" in err and "sigma_range_m" in err, err


def test_unknown_sensor_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sensors = tmp_path / "s.yaml"
    sensors.write_text("sensors:\n  - id: A\n    position_enu_m: [0, 0, 0]\n")
    det = tmp_path / "det.csv"
    det.write_text(
        "time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,A,1000,10,1\n1,Z,1000,10,1\n"
    )
    code, _, err = _run(
        ["track", str(det), "--out", str(tmp_path / "o.csv"), "--sensors", str(sensors)], capsys
    )
    assert code == 2 and f"{det}:3" in err and "'Z'" in err, err


def test_process_entry_point(tmp_path: Path) -> None:
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    _cartesian_csv(det, 5)
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "track", str(det), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "confirmed tracks" in res.stdout and out.exists()


def test_radial_velocity_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sensors = tmp_path / "s.yaml"
    sensors.write_text(
        "sensors:\n  - id: A\n    position_enu_m: [0, 0, 0]\n    sigma_range_m: 20\n"
        "    sigma_azimuth_deg: 0.1\n    sigma_elevation_deg: 0.1\n"
        "    sigma_radial_velocity_mps: 1\n"
    )
    rng = np.random.default_rng(3)
    p0, v = np.array([3e4, 4e4, 5e3]), np.array([-200.0, 50.0, 0.0])
    lines = ["time_s,sensor_id,range_m,azimuth_deg,elevation_deg,radial_velocity_mps"]
    for k in range(12):
        p = p0 + v * k
        r, az, el = coords.enu_to_aer(p)
        rdot = p @ v / r + rng.normal(0, 1.0)
        lines.append(f"{k},A,{r + rng.normal(0, 20):.2f},{math.degrees(az):.5f},"
                     f"{math.degrees(el):.5f},{rdot:.3f}")  # fmt: skip
    det, out = tmp_path / "det.csv", tmp_path / "o.csv"
    det.write_text("\n".join(lines) + "\n")
    code, _, err = _run(
        ["track", str(det), "--out", str(out), "--sensors", str(sensors), "--json"], capsys
    )
    assert code == 0, err
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    np.testing.assert_allclose(rows[-1, 5:8], v, atol=20.0)
    # The same plots with a sensor that has no radial-velocity error: exit 2.
    sensors.write_text("sensors:\n  - id: A\n    position_enu_m: [0, 0, 0]\n")
    code, _, err = _run(["track", str(det), "--out", str(out), "--sensors", str(sensors)], capsys)
    assert code == 2 and "sigma_radial_velocity_mps" in err


def test_track_caps_are_the_scenario_caps() -> None:
    from shieldlab.cli import _track_impl
    from shieldlab.scenario import model

    assert _track_impl.MAX_MEASUREMENT_SIGMA_M == model.MAX_SIGMA_POSITION_M
    assert _track_impl.MAX_CLUTTER_PER_SCAN == model.MAX_CLUTTER_PER_SCAN


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sigma_range_m", "1e300"),
        ("sigma_range_m", "10001"),
        ("sigma_azimuth_deg", "1e300"),
        ("sigma_azimuth_deg", "11"),
        ("sigma_elevation_deg", "90"),
        ("sigma_position_m", "1e6"),
        ("sigma_radial_velocity_mps", "1e4"),
        ("sigma_range_m", ".inf"),
    ],
)
def test_sensor_sigmas_are_capped(
    field: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sensor file's errors above the caps: exit 2 naming file, line and field (were
    accepted; the tracker then ran on garbage or failed in its linear algebra)."""
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        f"sensors:\n  - id: R1\n    position_enu_m: [0, 0, 10]\n    {field}: {value}\n"
    )
    det = tmp_path / "det.csv"
    det.write_text("time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,R1,1e4,10,5\n")
    out = tmp_path / "o.csv"
    code, _, err = _run(["track", str(det), "--out", str(out), "--sensors", str(sensors)], capsys)
    assert code == 2, err
    assert f"{sensors}:4, field 'sensors.0.{field}'" in err and err.count("\n") == 1
    assert not out.exists()


def test_sensor_sigmas_at_the_caps_track(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        "sensors:\n  - id: R1\n    position_enu_m: [0, 0, 10]\n    sigma_range_m: 10000\n"
        "    sigma_azimuth_deg: 10\n    sigma_elevation_deg: 10\n"
    )
    lines = ["time_s,sensor_id,range_m,azimuth_deg,elevation_deg"]
    lines += [f"{k},R1,{3e4 + 100 * k},{45 + 0.01 * k},5" for k in range(10)]
    det = tmp_path / "det.csv"
    det.write_text("\n".join(lines) + "\n")
    for extra in ([], ["--association", "jpda"], ["--filter", "imm"], ["--filter", "ukf"]):
        code, _, err = _run(
            [
                "track",
                str(det),
                "--out",
                str(tmp_path / "o.csv"),
                "--sensors",
                str(sensors),
                *extra,
            ],
            capsys,
        )
        assert code == 0, (extra, err)
