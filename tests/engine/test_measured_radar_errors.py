"""Measured fidelity: each radar's plot errors and false plots come from the scenario.

A plot's range, azimuth and elevation errors are independent N(0, σ²) with the radar's
``sigma_range_m``, ``sigma_azimuth_deg``, ``sigma_elevation_deg``; the false plots of a
scan are Poisson with mean ``clutter_per_scan``. The checks below record the plots the
engine really feeds its trackers and test them against those values: the sample variance
s² of n errors satisfies (n − 1) s² / σ² ~ χ²(n − 1) (e.g. Papoulis & Pillai, *Probability,
Random Variables and Stochastic Processes*, 4th ed., sec. 8.3), and the total of S scans'
false plots is Poisson(S λ). Intervals are two-sided at 99.9 %, on fixed seeds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from scipy import stats

from shieldlab.core import coords
from shieldlab.engine import measured
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.scenario import Scenario, builtin_scenario
from shieldlab.sensors.measurement import RadarMeasurementSpec, RadarPlots

ALPHA = 1e-3
REPS = 4


def with_radars(sc: Scenario, *changes: dict[str, Any]) -> Scenario:
    """``sc`` whose first battery has one radar per entry of ``changes``: a copy of its
    first radar (named ``r<k>``) with those fields changed."""
    data = sc.model_dump()
    bat = data["batteries"][0]
    base = bat["radars"][0]
    bat["radars"] = [{**base, "name": f"r{k}", **ch} for k, ch in enumerate(changes)]
    return Scenario.model_validate(data)


class Recorder:
    """Wraps ``simulate_scan`` in the engine module; keeps each scan's plot errors."""

    def __init__(self) -> None:
        self.errors: dict[int, list[np.ndarray]] = {}  # sensor -> (k, 3) r/az/el errors
        self.false_plots: dict[int, list[int]] = {}  # sensor -> false plots per scan

    def wrap(self, real: Any) -> Any:
        def simulate_scan(
            spec: RadarMeasurementSpec, target_enu_m: Any, *a: Any, **kw: Any
        ) -> RadarPlots:
            plots: RadarPlots = real(spec, target_enu_m, *a, **kw)
            pos = np.asarray(target_enu_m, dtype=float).reshape(-1, 3)
            aer = coords.enu_to_aer(spec.to_local(pos - spec.position))
            real_ = plots.target_index >= 0
            err = plots.z[real_, :3] - aer[plots.target_index[real_]]
            err[:, 1] = np.mod(err[:, 1] + math.pi, 2.0 * math.pi) - math.pi
            self.errors.setdefault(spec.sensor_id, []).append(err)
            self.false_plots.setdefault(spec.sensor_id, []).append(int((~real_).sum()))
            return plots

        return simulate_scan

    def errors_of(self, sensor: int) -> np.ndarray:
        return np.concatenate(self.errors[sensor])


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def run(sc: Scenario, settings: measured.MeasuredSettings | None = None) -> Recorder:
        rec = Recorder()
        monkeypatch.setattr(measured, "simulate_scan", rec.wrap(measured.simulate_scan))
        cs = compile_scenario(sc)
        tables = measured.prepare(cs, sc, settings)
        for rep in range(REPS):
            measured.formation_scans(cs, tables, seed=21, replication=rep)
        return rec

    yield run


def assert_std(err: np.ndarray, sigma: float) -> None:
    """Sample std of zero-mean errors inside the χ² interval of σ (known mean 0: n dof)."""
    n = err.size
    assert n >= 100, f"too few plots ({n}) for a useful check"
    q = float(np.sum(err**2)) / sigma**2
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], n)
    assert lo <= q <= hi, (
        f"std {math.sqrt(float(np.mean(err**2))):.4g} vs σ {sigma:.4g} ({n} plots)"
    )


def test_a_scenario_sigma_sets_the_plot_spread(record: Any) -> None:
    sc = with_radars(
        builtin_scenario("closed-form"),
        {
            "sigma_range_m": 120.0,
            "sigma_azimuth_deg": 0.5,
            "sigma_elevation_deg": 0.05,
            "clutter_per_scan": 0.0,
        },
    )
    err = record(sc).errors_of(0)
    assert_std(err[:, 0], 120.0)
    assert_std(err[:, 1], math.radians(0.5))
    assert_std(err[:, 2], math.radians(0.05))
    # ... and the default 50 m would be far outside the interval (the check has power).
    with pytest.raises(AssertionError):
        assert_std(err[:, 0], measured.DEFAULT_SIGMA_RANGE_M)


def test_each_radar_has_its_own_errors_and_clutter(record: Any) -> None:
    sc = with_radars(
        builtin_scenario("closed-form"),
        {"sigma_range_m": 20.0, "sigma_azimuth_deg": 0.1, "clutter_per_scan": 0.0},
        {"sigma_range_m": 300.0, "sigma_azimuth_deg": 1.0, "clutter_per_scan": 6.0},
    )
    rec = record(sc)
    a, b = rec.errors_of(0), rec.errors_of(1)
    assert_std(a[:, 0], 20.0)
    assert_std(b[:, 0], 300.0)
    assert_std(a[:, 1], math.radians(0.1))
    assert_std(b[:, 1], math.radians(1.0))
    # Elevation left unset on both: the engine default.
    assert_std(a[:, 2], measured.DEFAULT_SIGMA_ELEVATION_RAD)
    assert_std(b[:, 2], measured.DEFAULT_SIGMA_ELEVATION_RAD)
    assert sum(rec.false_plots[0]) == 0
    s, total = len(rec.false_plots[1]), sum(rec.false_plots[1])
    lo, hi = stats.poisson.ppf([ALPHA / 2, 1 - ALPHA / 2], 6.0 * s)
    assert lo <= total <= hi, (total, s)


def test_settings_override_every_radar(record: Any) -> None:
    # MeasuredSettings values (for studies that sweep radar noise) win over the radars'.
    sc = with_radars(builtin_scenario("closed-form"), {"sigma_range_m": 300.0})
    rec = record(sc, measured.MeasuredSettings(sigma_range_m=15.0, clutter_per_scan=0.0))
    assert_std(rec.errors_of(0)[:, 0], 15.0)
    assert sum(rec.false_plots[0]) == 0


def test_radar_errors_resolution_order() -> None:
    sc = builtin_scenario("closed-form")
    inline = sc.batteries[0].radars[0]
    assert inline.sigma_range_m is None  # a radar written out without them
    d = measured.radar_errors(inline)
    assert (d.sigma_range_m, d.sigma_azimuth_rad, d.sigma_elevation_rad, d.clutter_per_scan) == (
        measured.DEFAULT_SIGMA_RANGE_M,
        measured.DEFAULT_SIGMA_AZIMUTH_RAD,
        measured.DEFAULT_SIGMA_ELEVATION_RAD,
        measured.DEFAULT_CLUTTER_PER_SCAN,
    )
    own = inline.model_copy(update={"sigma_azimuth_deg": 0.7, "clutter_per_scan": 0.0})
    e = measured.radar_errors(own)
    assert e.sigma_azimuth_rad == math.radians(0.7)
    assert e.clutter_per_scan == 0.0
    assert e.sigma_range_m == measured.DEFAULT_SIGMA_RANGE_M
    f = measured.radar_errors(own, measured.MeasuredSettings(sigma_azimuth_rad=0.001))
    assert f.sigma_azimuth_rad == 0.001


def _rows(
    sc: Scenario, settings: measured.MeasuredSettings | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome rows and tracker formation scans of replications 0 and 1."""
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc, settings)
    run = lambda c, f, n: run_replications(c, seed=13, first=f, count=n)  # noqa: E731
    rows = measured.run_measured(cs, tables, seed=13, first=0, count=2, run=run)
    form = np.stack(
        [measured.formation_scans(cs, tables, seed=13, replication=k) for k in range(2)]
    )
    return rows, form


def test_card_values_reproduce_the_defaults_bit_for_bit() -> None:
    # The shipped radar cards carry the engine defaults (50 m, 0.2°, 0.2°, 2 per scan), so
    # a card scenario gives exactly what it gave before radars carried their own errors:
    # the same rows with the fields unset (defaults) and with the defaults forced.
    sc = builtin_scenario("single-battery")
    assert all(
        (r.sigma_range_m, r.sigma_azimuth_deg, r.sigma_elevation_deg, r.clutter_per_scan)
        == (50.0, 0.2, 0.2, 2.0)
        for b in sc.batteries
        for r in b.radars
    )
    data = sc.model_dump()
    for b in data["batteries"]:
        for r in b["radars"]:
            for f in ("sigma_range_m", "sigma_azimuth_deg", "sigma_elevation_deg"):
                r[f] = None
            r["clutter_per_scan"] = None
    unset = Scenario.model_validate(data)
    forced = measured.MeasuredSettings(
        sigma_range_m=measured.DEFAULT_SIGMA_RANGE_M,
        sigma_azimuth_rad=measured.DEFAULT_SIGMA_AZIMUTH_RAD,
        sigma_elevation_rad=measured.DEFAULT_SIGMA_ELEVATION_RAD,
        clutter_per_scan=measured.DEFAULT_CLUTTER_PER_SCAN,
    )
    rows, form = _rows(sc)
    for other in (_rows(unset), _rows(sc, forced)):
        np.testing.assert_array_equal(other[0], rows)
        np.testing.assert_array_equal(other[1], form)
    # Changed errors do change when tracks form (the comparisons above can fail).
    for b in data["batteries"]:
        for r in b["radars"]:
            r.update(sigma_range_m=2000.0, sigma_azimuth_deg=2.0, sigma_elevation_deg=2.0)
    _, noisy = _rows(Scenario.model_validate(data))
    assert not np.array_equal(noisy, form)


def test_each_tracker_is_told_its_own_radar_accuracy() -> None:
    # The tracker's measurement covariance R = diag(σ_r², σ_az², σ_el²) is the radar's.
    sc = with_radars(
        builtin_scenario("closed-form"),
        {"sigma_range_m": 20.0, "sigma_azimuth_deg": 0.1},
        {"sigma_range_m": 300.0, "sigma_elevation_deg": 1.5, "clutter_per_scan": 6.0},
    )
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc)
    want = [
        (20.0, math.radians(0.1), measured.DEFAULT_SIGMA_ELEVATION_RAD, 2.0),
        (300.0, measured.DEFAULT_SIGMA_AZIMUTH_RAD, math.radians(1.5), 6.0),
    ]
    for rt, (sr, saz, sel, clutter) in zip(tables.radars, want, strict=True):
        np.testing.assert_array_equal(
            np.diag(rt.spec.measurement_covariance()), np.square([sr, saz, sel])
        )
        assert rt.spec.expected_false_alarms() == clutter


@pytest.mark.parametrize(
    "kw",
    [
        {"sigma_range_m": 1e300},
        {"sigma_range_m": 0.0},
        {"sigma_azimuth_rad": math.radians(30.0)},
        {"sigma_elevation_rad": float("nan")},
        {"clutter_per_scan": 1e9},
        {"clutter_per_scan": -1.0},
    ],
)
def test_settings_overrides_are_capped_like_the_scenario(kw: dict[str, float]) -> None:
    from shieldlab.errors import InputError

    with pytest.raises(InputError) as exc:
        measured.MeasuredSettings(**kw)
    assert exc.value.location.field == next(iter(kw))


def test_settings_at_the_caps_are_accepted() -> None:
    from shieldlab.scenario import model

    measured.MeasuredSettings(
        sigma_range_m=model.MAX_SIGMA_RANGE_M,
        sigma_azimuth_rad=math.radians(model.MAX_SIGMA_ANGLE_DEG) * (1 - 1e-12),
        sigma_elevation_rad=math.radians(1.0),
        clutter_per_scan=model.MAX_CLUTTER_PER_SCAN,
    )
