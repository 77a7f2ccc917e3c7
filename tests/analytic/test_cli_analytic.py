"""`shieldlab analytic ...`: every subcommand with hand-checked values, and bad values."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from scipy import stats

from shieldlab.cli import main as cli_main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(["analytic", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


RADAR = ["--freq-hz", "3e9", "--pulse-width-s", "1e-6"]


def test_snr(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: Pt=1 MW, tau=1 us, G=100, lambda=0.0999308 m, sigma=1, Ts=290 K, R=100 km:
    # SNR = 1e4*0.0099862/(1984.40*1.380649e-23*290*1e20) = 0.125687 -> -9.0071 dB.
    d = run_json(["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6"], capsys)
    assert d["snr_db"] == pytest.approx(-9.0071, abs=1e-4)
    # Doubling the gain in dB terms (+3 dB -> +6 dB two-way) and halving the RCS (-3 dB).
    d2 = run_json(
        ["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6", "--gain-db", "23"], capsys
    )
    assert float(d2["snr_db"]) - float(d["snr_db"]) == pytest.approx(6.0, abs=1e-9)  # type: ignore[arg-type]
    d3 = run_json(
        ["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6", "--loss-db", "3"], capsys
    )
    assert float(d3["snr_db"]) - float(d["snr_db"]) == pytest.approx(-3.0, abs=1e-9)  # type: ignore[arg-type]
    code, out, _ = run(["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6"], capsys)
    assert code == 0 and "-9.007 dB" in out


def test_detection_range_and_peak_power(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: R^4 = 1e20 * 0.125687 / 10^1.3 -> R = 28172 m; Pt = 1e6 * 10^1.3/0.125687.
    d = run_json(["detection-range", *RADAR, "--snr-db", "13", "--peak-power-w", "1e6"], capsys)
    assert d["range_m"] == pytest.approx(28172.3, abs=0.1)
    d = run_json(["peak-power", *RADAR, "--snr-db", "13", "--range-m", "1e5"], capsys)
    assert d["peak_power_w"] == pytest.approx(1e6 * 10**1.3 / 0.1256870, rel=1e-5)


def test_burn_through(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand (Skolnik 2001, sec. 10, jamming far above thermal noise): R_bt =
    # sqrt(Pt tau G sigma Bj / (4 pi L ERP S)) = sqrt(1e6 1e-6 100 1 1e7 / (4 pi 1e3 19.9526))
    # = 63.153 m; unjammed, the detection range of the test above (28172 m).
    d = run_json(
        ["burn-through", *RADAR, "--snr-db", "13", "--peak-power-w", "1e6",
         "--jammer-erp-w", "1e3", "--jammer-bandwidth-hz", "1e7"],
        capsys,
    )  # fmt: skip
    assert d["burn_through_range_m"] == pytest.approx(63.1532, abs=1e-3)
    assert d["unjammed_range_m"] == pytest.approx(28172.3, abs=0.1)
    code, _, err = run(
        ["burn-through", *RADAR, "--snr-db", "13", "--peak-power-w", "1e6",
         "--jammer-erp-w", "1e3", "--jammer-bandwidth-hz", "1e5"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "option --jammer-bandwidth-hz:" in err and err.count("\n") == 1


def test_reentry_and_decoy_separation(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand (Allen & Eggers 1958): v(0) = 3000 exp(-1.225 * 7200 / (2 * 5000 * sin 40 deg))
    # = 3000 exp(-1.372148) = 760.7 m/s; a_max = 3000^2 sin 40 / (2 e 7200) = 147.79 m/s^2
    # at h* = 7200 ln(1.225 * 7200 / (5000 sin 40)) = 7,269 m. Decoy 500 kg/m^2, 5 % lag:
    # rho = 2 sin 40 ln(1/0.95) / (7200 (1/500 - 1/5000)) = 5.0881e-3 -> h = 39.483 km.
    d = run_json(
        ["reentry", "--entry-speed-mps", "3000", "--beta", "5000", "--path-angle-deg", "40",
         "--decoy-beta", "500", "--lag", "0.05"],
        capsys,
    )  # fmt: skip
    sin40 = math.sin(math.radians(40.0))
    assert d["speed_at_altitude_mps"] == pytest.approx(
        3000 * math.exp(-1.225 * 7200 / (2 * 5000 * sin40)), rel=1e-12
    )
    assert d["speed_at_altitude_mps"] == pytest.approx(760.7, abs=0.05)
    assert d["peak_deceleration_mps2"] == pytest.approx(147.79, abs=0.01)
    assert d["peak_deceleration_altitude_m"] == pytest.approx(7268.6, abs=0.1)
    rho = 2 * sin40 * math.log(1 / 0.95) / (7200 * (1 / 500 - 1 / 5000))
    assert d["discrimination_altitude_m"] == pytest.approx(7200 * math.log(1.225 / rho), rel=1e-12)
    assert d["discrimination_altitude_m"] == pytest.approx(39_483.3, abs=0.1)
    code, _, err = run(
        ["reentry", "--entry-speed-mps", "3000", "--beta", "5000", "--path-angle-deg", "40",
         "--decoy-beta", "6000"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "option --decoy-beta:" in err and err.count("\n") == 1
    code, _, err = run(
        ["reentry", "--entry-speed-mps", "3000", "--beta", "5000", "--path-angle-deg", "95"],
        capsys,
    )
    assert code == 2 and "option --path-angle-deg:" in err


def test_glide(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand (Vinh, Busemann & Culp 1980): R = (L/D)(r/2) ln((g r - v1^2) / (g r - v0^2)).
    g, r = 9.80665, 6_371_000.0
    d = run_json(
        ["glide", "--initial-speed-mps", "6000", "--final-speed-mps", "1000",
         "--lift-to-drag", "2.6", "--wing-loading-kg-m2", "1500", "--lift-coeff", "0.4"],
        capsys,
    )  # fmt: skip
    expected = 2.6 * r / 2 * math.log((g * r - 1000.0**2) / (g * r - 6000.0**2))
    assert d["range_m"] == pytest.approx(expected, rel=1e-12)
    assert d["altitude_start_m"] > d["altitude_end_m"] > 0.0
    code, _, err = run(
        ["glide", "--initial-speed-mps", "8000", "--lift-to-drag", "2.6",
         "--wing-loading-kg-m2", "1500", "--lift-coeff", "0.4"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "option --initial-speed-mps:" in err and "circular speed" in err


def test_albersheim_and_shnidman(capsys: pytest.CaptureFixture[str]) -> None:
    # MATLAB `albersheim`/`shnidman` values (PUBLISHED_VALUES.md; Albersheim 1981,
    # Shnidman 2002): (0.5, 1e-6, N=10) -> 3.556291 dB; Shnidman (0.5, 1e-6, 1) -> 11.171614.
    d = run_json(["albersheim", "--pd", "0.5", "--pfa", "1e-6", "--pulses", "10"], capsys)
    assert d["snr_db"] == pytest.approx(3.556291380845494, abs=1e-9)
    d = run_json(["shnidman", "--pd", "0.5", "--pfa", "1e-6"], capsys)
    assert d["snr_db"] == pytest.approx(11.171613923710709, abs=1e-9)
    # A fluctuating target needs more SNR than a steady one for the same Pd (Shnidman
    # 2002: C_dB > 0 for Swerling 1 at Pd 0.9), and --swerling reaches the formula.
    d0 = run_json(["shnidman", "--pd", "0.9", "--pfa", "1e-6"], capsys)
    d1 = run_json(["shnidman", "--pd", "0.9", "--pfa", "1e-6", "--swerling", "1"], capsys)
    assert float(d1["snr_db"]) > float(d0["snr_db"]) + 5.0  # type: ignore[arg-type]


def test_pd(capsys: pytest.CaptureFixture[str]) -> None:
    # Swerling 1, one pulse: Pd = Pfa^(1/(1+SNR)) = 1e-6^(1/11) = 0.284804 at 10 dB.
    d = run_json(["pd", "--snr-db", "10", "--pfa", "1e-6", "--swerling", "1"], capsys)
    assert d["pd"] == pytest.approx(1e-6 ** (1 / 11), rel=1e-12)
    d = run_json(["pd", "--snr-db", "13", "--pfa", "1e-6", "--pulses", "4"], capsys)
    assert 0.99 < float(d["pd"]) < 1.0  # type: ignore[arg-type]


def test_horizon(capsys: pytest.CaptureFixture[str]) -> None:
    # d = sqrt(2 k R h1) + sqrt(2 k R h2), k = 4/3, R = 6371 km.
    d = run_json(["horizon", "--antenna-height-m", "10", "--target-height-m", "1000"], capsys)
    kr = 4 / 3 * 6_371_000
    assert d["range_m"] == pytest.approx(math.sqrt(2 * kr * 10) + math.sqrt(2 * kr * 1000))
    d = run_json(["horizon", "--antenna-height-m", "10", "--k-factor", "1"], capsys)
    assert d["range_m"] == pytest.approx(math.sqrt(2 * 6_371_000 * 10))


def test_ballistic(capsys: pytest.CaptureFixture[str]) -> None:
    # The CLI reports the library's minimum-energy arc (checked against the published
    # table of PUBLISHED_VALUES.md in tests/core/test_ballistic.py), in its units.
    from shieldlab.core.ballistic import minimum_energy

    arc = minimum_energy(1_000_000.0)
    d = run_json(["ballistic", "--range-km", "1000"], capsys)
    assert d["burnout_speed_mps"] == pytest.approx(float(arc.burnout_speed_mps))
    assert d["flight_path_angle_deg"] == pytest.approx(
        math.degrees(float(arc.flight_path_angle_rad))
    )
    assert d["flight_time_s"] == pytest.approx(float(arc.flight_time_s))
    assert d["apogee_m"] == pytest.approx(float(arc.apogee_m))
    # Minimum-energy angle 45 deg - psi/4 (Bate, Mueller & White 1971, section 6.2).
    assert d["flight_path_angle_deg"] == pytest.approx(45.0 - math.degrees(1e6 / 6_371_000) / 4)
    lofted = run_json(["ballistic", "--range-km", "1000", "--flight-path-angle-deg", "60"], capsys)
    assert lofted["flight_path_angle_deg"] == pytest.approx(60.0)
    assert float(lofted["apogee_m"]) > float(d["apogee_m"])  # type: ignore[arg-type]


def test_leakage(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: Pk = 0.9*(1-0.3^2) = 0.819; 20 threats: 3.62 leakers; P0 = 0.819^20.
    d = run_json(
        ["leakage", "--threats", "20", "--shots-per-threat", "2", "--sspk", "0.7",
         "--p-detect", "0.9"],
        capsys,
    )  # fmt: skip
    assert d["p_kill_per_threat"] == pytest.approx(0.819)
    assert d["expected_leakers"] == pytest.approx(3.62)
    assert d["p_zero_leakers"] == pytest.approx(0.819**20)
    # Inventory 15 with 2 shots: floor(15/2) = 7 of 10 engaged; 7*0.04 + 3 = 3.28 leakers.
    d = run_json(
        ["leakage", "--threats", "10", "--shots-per-threat", "2", "--sspk", "0.8",
         "--interceptors", "15"],
        capsys,
    )  # fmt: skip
    assert d["expected_leakers"] == pytest.approx(3.28)
    assert d["p_zero_leakers"] == 0.0
    assert d["threats_engaged"] == 7


def test_interceptors_needed(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: Pk >= 0.9^(1/10) = 0.98952 -> 0.2^n <= 0.01048 -> n = 3; 30 interceptors.
    d = run_json(
        ["interceptors-needed", "--threats", "10", "--sspk", "0.8", "--p-zero-leakers", "0.9"],
        capsys,
    )
    assert d == {"shots_per_threat": 3, "interceptors": 30}


def test_sls(capsys: pytest.CaptureFixture[str]) -> None:
    # PUBLISHED_VALUES.md (Wilkening 1999): 1 - 0.2^3 = 0.992; 1 + 0.2 + 0.04 = 1.24 shots.
    d = run_json(["sls", "--sspk", "0.8", "--stages", "3"], capsys)
    assert d["p_kill"] == pytest.approx(0.992)
    assert d["expected_shots"] == pytest.approx(1.24)


def test_layers(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: leak = 0.5 * 0.2 = 0.1; 10 threats: 1 leaker; P0 = 0.9^10 = 0.3486784401.
    d = run_json(["layers", "--layer-pk", "0.5", "--layer-pk", "0.8", "--threats", "10"], capsys)
    assert d["p_leak_per_threat"] == pytest.approx(0.1)
    assert d["expected_leakers"] == pytest.approx(1.0)
    assert d["p_zero_leakers"] == pytest.approx(0.3486784401)


def test_richardson(capsys: pytest.CaptureFixture[str]) -> None:
    # Hand: det = 0.9*0.5 - 0.3*0.6 = 0.27; x* = 1.1/0.27, y* = 2.4/0.27; stable.
    base = ["richardson", "--k", "0.3", "--l", "0.6", "--a", "0.9", "--b", "0.5", "--g", "1"]
    d = run_json([*base, "--h", "2"], capsys)
    assert d["equilibrium"] == pytest.approx([1.1 / 0.27, 2.4 / 0.27])
    assert d["stable"] is True and "trajectory" not in d
    d = run_json([*base, "--h", "2", "--years", "100", "--steps", "5"], capsys)
    traj = d["trajectory"]
    assert isinstance(traj, dict)
    assert traj["t_years"] == [0, 25, 50, 75, 100]
    assert traj["x"][-1] == pytest.approx(1.1 / 0.27, rel=1e-6)
    d = run_json(
        ["richardson", "--k", "0.9", "--l", "0.9", "--a", "0.5", "--b", "0.5", "--g", "1",
         "--h", "1"],
        capsys,
    )  # fmt: skip
    assert d["stable"] is False


@pytest.mark.parametrize(
    "args,option",
    [
        (["snr", *RADAR, "--range-m", "-5", "--peak-power-w", "1e6"], "--range-m"),
        (["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "0"], "--peak-power-w"),
        (["snr", "--freq-hz", "0", "--pulse-width-s", "1e-6", "--range-m", "1",
          "--peak-power-w", "1"], "--freq-hz"),
        (["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6", "--rcs-m2", "-1"],
         "--rcs-m2"),
        (["snr", *RADAR, "--range-m", "1e5", "--peak-power-w", "1e6", "--noise-temp-k", "0"],
         "--noise-temp-k"),
        (["detection-range", *RADAR, "--snr-db", "nan", "--peak-power-w", "1e6"], "--snr-db"),
        (["peak-power", "--freq-hz", "3e9", "--pulse-width-s", "-1", "--snr-db", "3",
          "--range-m", "1"], "--pulse-width-s"),
        (["albersheim", "--pd", "0.95", "--pfa", "1e-6"], "--pd"),
        (["albersheim", "--pd", "1.5", "--pfa", "1e-6"], "--pd"),
        (["albersheim", "--pd", "0.5", "--pfa", "1e-2"], "--pfa"),
        (["albersheim", "--pd", "0.5", "--pfa", "1e-8"], "--pfa"),
        (["albersheim", "--pd", "0.5", "--pfa", "1e-6", "--pulses", "9000"], "--pulses"),
        (["albersheim", "--pd", "0.5", "--pfa", "1e-6", "--pulses", "0"], "--pulses"),
        (["shnidman", "--pd", "0.995", "--pfa", "1e-6"], "--pd"),
        (["shnidman", "--pd", "0.5", "--pfa", "1e-10"], "--pfa"),
        (["shnidman", "--pd", "0.5", "--pfa", "1e-6", "--pulses", "101"], "--pulses"),
        (["shnidman", "--pd", "0.5", "--pfa", "1e-6", "--swerling", "5"], "--swerling"),
        (["pd", "--snr-db", "10", "--pfa", "0"], "--pfa"),
        (["pd", "--snr-db", "10", "--pfa", "1"], "--pfa"),
        (["pd", "--snr-db", "10", "--pfa", "1e-6", "--pulses", "0"], "--pulses"),
        (["pd", "--snr-db", "10", "--pfa", "1e-6", "--swerling", "-1"], "--swerling"),
        (["horizon", "--antenna-height-m", "-1"], "--antenna-height-m"),
        (["horizon", "--antenna-height-m", "10", "--target-height-m", "-3"],
         "--target-height-m"),
        (["horizon", "--antenna-height-m", "10", "--k-factor", "0"], "--k-factor"),
        (["ballistic", "--range-km", "-100"], "--range-km"),
        (["ballistic", "--range-km", "25000"], "--range-km"),
        (["ballistic", "--range-km", "1000", "--flight-path-angle-deg", "95"],
         "--flight-path-angle-deg"),
        (["ballistic", "--range-km", "1000", "--flight-path-angle-deg", "89"],
         "--flight-path-angle-deg"),
        (["leakage", "--threats", "-1", "--shots-per-threat", "1", "--sspk", "0.5"],
         "--threats"),
        (["leakage", "--threats", "5", "--shots-per-threat", "-1", "--sspk", "0.5"],
         "--shots-per-threat"),
        (["leakage", "--threats", "5", "--shots-per-threat", "1", "--sspk", "1.2"], "--sspk"),
        (["leakage", "--threats", "5", "--shots-per-threat", "1", "--sspk", "0.5",
          "--p-detect", "-0.1"], "--p-detect"),
        (["leakage", "--threats", "5", "--shots-per-threat", "1", "--sspk", "0.5",
          "--interceptors", "-2"], "--interceptors"),
        (["interceptors-needed", "--threats", "10", "--sspk", "0.8", "--p-zero-leakers", "1.1"],
         "--p-zero-leakers"),
        (["interceptors-needed", "--threats", "10", "--sspk", "0.8", "--p-zero-leakers", "0.9",
          "--p-detect", "0.98"], "--p-zero-leakers"),
        (["interceptors-needed", "--threats", "0", "--sspk", "0.8", "--p-zero-leakers", "0.9"],
         "--threats"),
        (["sls", "--sspk", "-0.5", "--stages", "2"], "--sspk"),
        (["sls", "--sspk", "0.5", "--stages", "0"], "--stages"),
        (["layers", "--layer-pk", "0.5", "--layer-pk", "2", "--threats", "3"], "--layer-pk"),
        (["layers", "--layer-pk", "0.5", "--threats", "-3"], "--threats"),
        (["richardson", "--k", "-1", "--l", "1", "--a", "1", "--b", "1", "--g", "0", "--h", "0"],
         "--k"),
        (["richardson", "--k", "1", "--l", "1", "--a", "1", "--b", "1", "--g", "0", "--h", "0",
          "--years", "-5"], "--years"),
        (["richardson", "--k", "1", "--l", "1", "--a", "1", "--b", "1", "--g", "0", "--h", "0",
          "--years", "5", "--steps", "1"], "--steps"),
    ],
)  # fmt: skip
def test_bad_values_exit_2_naming_the_option(
    args: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert f"option {option}:" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_missing_required_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["pd", "--pfa", "1e-6"], capsys)
    assert code == 2 and "--snr-db" in err


def test_subprocess_json_is_one_object() -> None:
    # The installed entry point end to end: one JSON object on stdout, nothing on stderr.
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "analytic", "pd", "--snr-db", "13",
         "--pfa", "1e-6", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert res.returncode == 0 and res.stderr == ""
    # Swerling 0, one pulse: Pd = Q1(sqrt(2 SNR), sqrt(-2 ln Pfa)) (Marcum 1960;
    # PUBLISHED_VALUES.md), i.e. the survival function of a noncentral chi-square with 2
    # degrees of freedom and noncentrality 2 SNR at -2 ln Pfa.
    snr = 10**1.3
    expected = stats.ncx2.sf(-2 * math.log(1e-6), 2, 2 * snr)
    assert json.loads(res.stdout)["pd"] == pytest.approx(expected, rel=1e-12)
