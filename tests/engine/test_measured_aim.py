"""Measured fidelity: kill probability falls with the fire-control track's error.

The interceptor's lethal radius R_L and guidance miss σ_g (off on the shipped cards) turn
the nominal SSPK into SSPK · H(√(σ_g² + σ_t²)) / H(σ_g), H(σ) = 1 − exp(−R_L²/(2σ²))
(lethal-radius damage function under a circular normal miss; Przemieniecki, *Mathematical
Methods in Defense Analyses*, 3rd ed., AIAA 2000; Ball 2003), σ_t from the tracker's
covariance at launch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenarios import small_scenario

from shieldlab.core.engagement import sspk_with_track_error
from shieldlab.engine import measured
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import Scenario, builtin_scenario

R_L, SIGMA_G = 200.0, 20.0
CLEAN = measured.MeasuredSettings(
    sigma_range_m=5.0,
    sigma_azimuth_rad=math.radians(0.02),
    sigma_elevation_rad=math.radians(0.02),
    clutter_per_scan=0.0,
)
NOISY = measured.MeasuredSettings(
    sigma_range_m=200.0,
    sigma_azimuth_rad=math.radians(1.0),
    sigma_elevation_rad=math.radians(1.0),
    clutter_per_scan=0.0,
)


def aimed(sc: Scenario, radius_m: float = R_L, guidance_m: float = SIGMA_G) -> Scenario:
    """The scenario with every interceptor type's kill probability tied to track error."""
    its = [
        type(t).model_validate(
            {**t.model_dump(), "lethal_radius_m": radius_m, "guidance_miss_sigma_m": guidance_m}
        )
        for t in sc.interceptor_types
    ]
    return sc.replace(interceptor_types=its)


def rows(
    cs: CompiledScenario, tables: measured.MeasuredTables, seed: int, first: int, count: int
) -> np.ndarray:
    run = lambda c, f, n: run_replications(c, seed=seed, first=f, count=n)  # noqa: E731
    return measured.run_measured(cs, tables, seed=seed, first=first, count=count, run=run)


@pytest.fixture(scope="module")
def closed_form() -> tuple[Scenario, Scenario]:
    sc = builtin_scenario("closed-form")
    return sc, aimed(sc)


def test_absent_parameter_leaves_the_measured_path_as_before(closed_form) -> None:  # type: ignore[no-untyped-def]
    sc, _ = closed_form
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc)
    assert tables.aim is None
    cs_k = measured.replication_scenario(cs, tables, seed=5, replication=2)
    assert cs_k.pk is cs.pk  # the kernel reads the compiled table itself
    assert np.isnan(measured.aim_sigmas(cs, tables, seed=5, replication=2)).all()


def test_a_huge_lethal_radius_reproduces_the_rows_without_it() -> None:
    # R_L = 1e12 m: H = 1 for any track, P_k = SSPK exactly, so the aim path (tracker run
    # past confirmation, pk table rewritten) must give bit-identical rows -- it touches
    # neither the plots nor the formation times.
    sc = builtin_scenario("single-battery")
    on = aimed(sc, radius_m=1e12, guidance_m=10.0)
    cs_off, cs_on = compile_scenario(sc), compile_scenario(on)
    t_off, t_on = measured.prepare(cs_off, sc), measured.prepare(cs_on, on)
    assert t_on.aim is not None and t_off.aim is None
    sig = measured.aim_sigmas(cs_on, t_on, seed=3, replication=1)
    assert np.isfinite(sig).any()
    np.testing.assert_array_equal(
        measured.formation_scans(cs_on, t_on, seed=3, replication=1),
        measured.formation_scans(cs_off, t_off, seed=3, replication=1),
    )
    np.testing.assert_array_equal(rows(cs_on, t_on, 3, 0, 3), rows(cs_off, t_off, 3, 0, 3))


def test_ideal_fidelity_ignores_the_parameter(closed_form) -> None:  # type: ignore[no-untyped-def]
    sc, on = closed_form
    np.testing.assert_array_equal(
        run_replications(compile_scenario(on), seed=8, first=0, count=64),
        run_replications(compile_scenario(sc), seed=8, first=0, count=64),
    )


def test_kills_fall_when_radar_noise_rises(closed_form) -> None:  # type: ignore[no-untyped-def]
    # closed-form: 16 threats, certain detection, 1-of-1 initiation, one salvo of two
    # SSPK-0.6 shots each. Same seeds, same detections; only the plots' errors differ.
    sc, on = closed_form
    n = 6
    kills = {}
    for label, scen in (("off", sc), ("on", on)):
        cs = compile_scenario(scen)
        col = layout_of(cs).columns()["threats_killed"]
        for noise, st in (("clean", CLEAN), ("noisy", NOISY)):
            kills[label, noise] = rows(cs, measured.prepare(cs, scen, st), 21, 0, n)[:, col]
    # Without the parameter the track error changes nothing (common random numbers) ...
    np.testing.assert_array_equal(kills["off", "clean"], kills["off", "noisy"])
    # ... with it, a 5 m / 0.02° radar keeps SSPK (σ_t ~ 30 m << R_L) and a 200 m / 1°
    # radar (σ_t ~ 1.3 km at 111 km) leaves P_k ~ 0.6 · 0.012 per shot.
    assert kills["on", "clean"].mean() >= 0.95 * kills["off", "clean"].mean()
    assert kills["on", "noisy"].mean() <= 2.0
    assert kills["on", "noisy"].mean() < kills["on", "clean"].mean() - 8.0


def test_replication_pk_is_the_closed_form_of_the_launch_sigma(closed_form) -> None:  # type: ignore[no-untyped-def]
    _, on = closed_form
    cs = compile_scenario(on)
    tables = measured.prepare(cs, on)
    sig = measured.aim_sigmas(cs, tables, seed=4, replication=3)
    cs_k = measured.replication_scenario(cs, tables, seed=4, replication=3)
    ok = np.isfinite(sig)
    assert ok.all()  # every threat is engaged in closed-form
    np.testing.assert_array_equal(cs_k.pk, sspk_with_track_error(cs.pk, sig, R_L, SIGMA_G))
    assert np.all(cs_k.pk < cs.pk)


def test_one_plot_track_sigma_is_the_converted_plot_covariance(closed_form) -> None:  # type: ignore[no-untyped-def]
    # Threats a minute apart (12 km), 1-of-1 initiation, launch at once: the track fire
    # control aims with is one plot old, so its position covariance is the plot's,
    # converted to Cartesian -- trace = σ_r² + (r cos(el) σ_az)² + (r σ_el)²
    # (Bar-Shalom, Li & Kirubarajan 2001, converted measurements).
    _, on = closed_form
    wave = on.raid.waves[0].model_copy(update={"interval_s": 60.0, "count": 4})
    sc = on.replace(raid=on.raid.model_copy(update={"waves": [wave]}))
    cs = compile_scenario(sc)
    st = measured.MeasuredSettings(clutter_per_scan=0.0)
    tables = measured.prepare(cs, sc, st)
    sig = measured.aim_sigmas(cs, tables, seed=1, replication=0)[0]
    rt = tables.radars[0]
    form = measured.formation_scans(cs, tables, seed=1, replication=0)
    e = measured.radar_errors(sc.batteries[0].radars[0], st)  # the radar's (default) errors
    for i in range(cs.n_threats):
        q = int(form[i]) - rt.first_scan
        rel = rt.pos_m[q, i] - rt.model.sensor_enu_m
        r = float(np.linalg.norm(rel))
        cos_el = math.hypot(rel[0], rel[1]) / r
        trace = e.sigma_range_m**2 + (r * cos_el * e.sigma_azimuth_rad) ** 2
        trace += (r * e.sigma_elevation_rad) ** 2
        assert sig[i] == pytest.approx(math.sqrt(trace / 3.0), rel=0.01)


def test_kills_match_the_degraded_kill_probability(closed_form) -> None:  # type: ignore[no-untyped-def]
    # One salvo of two shots per threat: E[kills] = Σ_i 1 − (1 − p_i)², p_i the
    # replication's degraded P_k; the sum over replications of kills is checked against
    # it (a z-score: the kernel must draw kills with the rewritten table).
    _, on = closed_form
    cs = compile_scenario(on)
    tables = measured.prepare(cs, on)
    n = 24
    got = rows(cs, tables, 2, 0, n)[:, layout_of(cs).columns()["threats_killed"]].sum()
    mean = var = 0.0
    for rep in range(n):
        p = measured.replication_scenario(cs, tables, seed=2, replication=rep).pk[0]
        k = 1.0 - (1.0 - p) ** 2
        mean += float(k.sum())
        var += float((k * (1.0 - k)).sum())
    nominal = n * cs.n_threats * (1.0 - (1.0 - 0.6) ** 2)
    assert mean < 0.8 * nominal  # default radar errors do degrade these shots
    assert abs(got - mean) < 4.0 * math.sqrt(var)


def test_kernel_and_oracle_agree_and_batches_do_not_matter() -> None:
    sc = aimed(builtin_scenario("single-battery"), radius_m=100.0, guidance_m=10.0)
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc)
    py = measured.run_measured(
        cs, tables, seed=6, first=0, count=2,
        run=lambda c, f, n: run_replications_py(c, seed=6, first=f, count=n),
    )  # fmt: skip
    both = rows(cs, tables, 6, 0, 2)
    np.testing.assert_array_equal(both, py)
    np.testing.assert_array_equal(both[1:], rows(cs, tables, 6, 1, 1))


def test_stopping_the_tracker_early_reads_the_same_sigmas(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The tracker of a radar stops once every launch that may read its tracks is past
    # (_last_scan_needed); running every scan instead must not change what is read.
    sc = aimed(builtin_scenario("single-battery"), radius_m=100.0, guidance_m=10.0)
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc)
    early = measured.aim_sigmas(cs, tables, seed=9, replication=0)
    assert np.isfinite(early).any()
    monkeypatch.setattr(measured, "_last_scan_needed", lambda *a: 10**9)
    np.testing.assert_array_equal(measured.aim_sigmas(cs, tables, seed=9, replication=0), early)


def test_autonomous_batteries_aim_with_their_own_radars() -> None:
    # Autonomous C2: a battery's weapons read only its own radars' tracks, so adding a
    # second battery (radar 1, weapon 1) leaves battery 0's σ unchanged -- its radar's
    # plots and tracks are keyed by radar index and are the same in both scenarios.
    one = aimed(small_scenario(threats=4, batteries=1, c2_mode="autonomous"), 300.0, 20.0)
    two = aimed(small_scenario(threats=4, batteries=2, c2_mode="autonomous"), 300.0, 20.0)
    sig = []
    for sc in (one, two):
        cs = compile_scenario(sc)
        sig.append(measured.aim_sigmas(cs, measured.prepare(cs, sc), seed=12, replication=0))
    assert np.isfinite(sig[0][0]).all() and np.isfinite(sig[1]).all()
    np.testing.assert_array_equal(sig[1][0], sig[0][0])
