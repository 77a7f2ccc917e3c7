"""Measured fidelity: tracks from simulated plots decide when engagement may start."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.core.rng import KIND_DETECT, uniform_np
from shieldlab.engine import measured
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.scenario import builtin_scenario


def _m_of_n_formation(cs: CompiledScenario, pd_table: np.ndarray, u_of) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Scan at which the engine's M-of-N rule forms each (r, i), from a Pd table."""
    out = np.full(cs.n_radars * cs.n_threats, -1, dtype=np.int64)
    for r in range(cs.n_radars):
        for i in range(cs.n_threats):
            s0, n, off = int(cs.det_s0[r, i]), int(cs.det_n[r, i]), int(cs.det_off[r, i])
            window: list[int] = []
            for q in range(n):
                p = pd_table[off + q]
                window = ([*window, int(p >= 1.0 or (p > 0.0 and u_of(r, i, s0 + q) < p))])[
                    -int(cs.track_n) :
                ]
                if sum(window) >= cs.track_m:
                    out[r * cs.n_threats + i] = s0 + q
                    break
    return out


@pytest.fixture(scope="module")
def single() -> tuple[object, CompiledScenario, measured.MeasuredTables]:
    sc = builtin_scenario("single-battery")
    cs = compile_scenario(sc)
    return sc, cs, measured.prepare(cs, sc)


def test_rewritten_detection_table_forms_tracks_when_the_tracker_confirms(single) -> None:  # type: ignore[no-untyped-def]
    _, cs, tables = single
    for rep in range(2):
        form = measured.formation_scans(cs, tables, seed=7, replication=rep)
        cs_k = measured.replication_scenario(cs, tables, seed=7, replication=rep)
        np.testing.assert_array_equal(_m_of_n_formation(cs_k, cs_k.det_pd, lambda *a: 1.0), form)
        assert (form >= 0).any()


def test_kernel_and_oracle_agree_in_measured_fidelity(single) -> None:  # type: ignore[no-untyped-def]
    _, cs, tables = single
    a = measured.run_measured(
        cs, tables, seed=3, first=0, count=2,
        run=lambda c, f, n: run_replications(c, seed=3, first=f, count=n),
    )  # fmt: skip
    b = measured.run_measured(
        cs, tables, seed=3, first=0, count=2,
        run=lambda c, f, n: run_replications_py(c, seed=3, first=f, count=n),
    )  # fmt: skip
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_tracks_whatever_the_batch(single) -> None:  # type: ignore[no-untyped-def]
    _, cs, tables = single
    run = lambda c, f, n: run_replications(c, seed=11, first=f, count=n)  # noqa: E731
    both = measured.run_measured(cs, tables, seed=11, first=4, count=2, run=run)
    one = measured.run_measured(cs, tables, seed=11, first=5, count=1, run=run)
    np.testing.assert_array_equal(both[1:], one)
    np.testing.assert_array_equal(
        measured.formation_scans(cs, tables, seed=11, replication=5),
        measured.formation_scans(cs, tables, seed=11, replication=5),
    )


@pytest.mark.parametrize(
    ("name", "unscented"),
    [
        ("closed-form", False),
        ("closed-form", True),
        ("single-battery", False),
        ("single-battery", True),
    ],
)
def test_near_perfect_plots_reproduce_the_ideal_m_of_n(name: str, unscented: bool) -> None:
    # Metre-level errors and no clutter: the tracker confirms exactly when M of the
    # (shared) detection draws have come in -- the measured path reduces to the ideal
    # one. (For a radar whose scans are far apart compared with the spacing of the
    # threats, two-plot initiation is ambiguous and tracks form later: that is what the
    # measured fidelity is for, so only the 1-second radars are compared there.)
    sc = builtin_scenario(name)
    cs = compile_scenario(sc)
    tables = measured.prepare(
        cs,
        sc,
        measured.MeasuredSettings(
            sigma_range_m=1.0, sigma_azimuth_rad=1e-6, sigma_elevation_rad=1e-6,
            clutter_per_scan=0.0, unscented=unscented,
        ),
    )  # fmt: skip
    seed, rep = 2, 1

    def u_of(r: int, i: int, s: int) -> float:
        return float(uniform_np(seed, rep, int(cs.threat_rng_id[i]), KIND_DETECT, (r << 32) | s))

    ideal = _m_of_n_formation(cs, cs.det_pd, u_of)
    form = measured.formation_scans(cs, tables, seed=seed, replication=rep)
    fast = np.repeat(cs.radar_scan_s <= 1.0, cs.n_threats)
    assert fast.any()
    np.testing.assert_array_equal(form[fast], ideal[fast])


def test_simulate_runs_the_measured_fidelity() -> None:
    from shieldlab.montecarlo import simulate

    sc = builtin_scenario("single-battery")
    ideal = simulate(sc, replications=4, seed=9)
    meas = simulate(sc.replace(fidelity="measured"), replications=4, seed=9)
    assert "measured" in str(meas.timing["path"])
    assert "measured" not in str(ideal.timing["path"])
    # Same outcome columns; the rows come from the tracker-driven path.
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc)
    rows = measured.run_measured(
        cs, tables, seed=9, first=0, count=4,
        run=lambda c, f, n: run_replications(c, seed=9, first=f, count=n),
    )  # fmt: skip
    assert rows.shape == (4, run_replications(cs, seed=9, first=0, count=1).shape[1])


def test_no_confirmed_track_means_no_engagement(single) -> None:  # type: ignore[no-untyped-def]
    # A gate too small for any second plot: tentative tracks never confirm (M = 2), so fire
    # control never gets a track and every lethal threat leaks; the ideal path engages.
    sc, cs, _ = single
    assert cs.track_m >= 2
    tables = measured.prepare(cs, sc, measured.MeasuredSettings(gate_distance=1e-9))
    run = lambda c, f, n: run_replications(c, seed=4, first=f, count=n)  # noqa: E731
    rows = measured.run_measured(cs, tables, seed=4, first=0, count=3, run=run)
    ideal = run_replications(cs, seed=4, first=0, count=3)
    from shieldlab.engine.outcomes import layout_of

    col = layout_of(cs).columns()
    assert np.all(rows[:, col["leakers"]] == cs.n_lethal)
    assert np.all(rows[:, col["interceptors_fired"]] == 0)
    assert ideal[:, col["leakers"]].mean() < cs.n_lethal
