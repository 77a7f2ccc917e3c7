"""Restraint regimes: caps, the map, and the reuse of curves across cells."""

from __future__ import annotations

import numpy as np
import pytest
from posture_builders import make_posture, side_dict

from shieldlab.stability.deterrence import missiles_needed
from shieldlab.stability.first_strike import SideForces, first_strike_stability
from shieldlab.stability.penetration import Requirement
from shieldlab.stability.posture import builtin_posture
from shieldlab.stability.race import RaceCaches
from shieldlab.stability.restraint import Caps, evaluate_caps, restraint_map


def test_zero_interceptor_cap_reduces_to_no_defence(symmetric) -> None:  # type: ignore[no-untyped-def]
    cell = evaluate_caps(symmetric, Caps(interceptors=0))
    # No defence: the requirement (P(>= 20) >= 0.9, 1 warhead each) needs 20 missiles.
    assert missiles_needed(None, Requirement(warheads=20, probability=0.9), 1) == 20
    assert cell.blue_needed_vs_cap == cell.red_needed_vs_cap == 20
    assert cell.settled["blue_interceptors"] == cell.settled["red_interceptors"] == 0
    assert cell.settled["blue_missiles"] == 20
    # Its index is that of the settled forces with no defences.
    f = SideForces.from_posture(symmetric.blue)
    from dataclasses import replace

    f = replace(f, launchers=20.0, interceptors=0.0)
    assert cell.stability_index == pytest.approx(first_strike_stability(f, f).index)
    assert cell.race_converged and cell.blue_deterrent_holds and cell.red_deterrent_holds


def test_warhead_cap_is_applied() -> None:
    p = make_posture(side_dict(offence__warheads_per_launcher=4))
    loose = evaluate_caps(p, Caps())
    tight = evaluate_caps(p, Caps(warheads_per_launcher=1))
    # Fewer warheads per missile -> more missiles needed against the same defence.
    assert tight.blue_needed_vs_cap > loose.blue_needed_vs_cap


def test_map_reuses_curves_and_matches_uncached() -> None:
    p = builtin_posture()
    xs, ys = [0, 100, 300, 600], [50, 200, 800]
    fast = restraint_map(p, x_cap="interceptors", x_values=xs, y_cap="launchers", y_values=ys)
    naive_caches = RaceCaches(p, enabled=False)
    slow = restraint_map(
        p, x_cap="interceptors", x_values=xs, y_cap="launchers", y_values=ys, caches=naive_caches
    )
    assert fast.stability_index.shape == (3, 4)
    np.testing.assert_array_equal(fast.stability_index, slow.stability_index)
    np.testing.assert_array_equal(fast.stable, slow.stable)
    np.testing.assert_array_equal(fast.blue_missiles, slow.blue_missiles)
    assert fast.curves_computed < naive_caches.curves_computed
    assert np.all((fast.stability_index >= 0) & (fast.stability_index <= 1))


def test_symmetric_posture_symmetric_map(symmetric) -> None:  # type: ignore[no-untyped-def]
    # Simultaneous moves treat the sides alike (alternating moves let Blue reply first).
    sim = symmetric.model_copy(
        update={"race": symmetric.race.model_copy(update={"moves": "simultaneous"})}
    )
    m = restraint_map(
        sim,
        x_cap="interceptors",
        x_values=[0, 30, 90],
        y_cap="warheads_per_launcher",
        y_values=[1, 2],
    )
    np.testing.assert_array_equal(m.blue_missiles, m.red_missiles)
    np.testing.assert_array_equal(m.blue_interceptors, m.red_interceptors)


def test_same_caps_rejected() -> None:
    with pytest.raises(ValueError):
        restraint_map(
            builtin_posture(), x_cap="launchers", x_values=[1], y_cap="launchers", y_values=[2]
        )


def test_condition_notes_count_failures_and_say_what_never_binds(symmetric) -> None:  # type: ignore[no-untyped-def]
    # Issue 18: the first-strike test never bound on the built-in map and nothing said so.
    m = restraint_map(
        symmetric, x_cap="interceptors", x_values=[0, 30], y_cap="launchers", y_values=[5, 100]
    )
    notes = m.condition_notes()
    failing = m.failing()
    assert len(notes) == len(failing) == 4
    for note, bad in zip(notes, failing.values(), strict=True):
        k = int(bad.sum())
        if k:
            assert note.endswith(f"fails in {k} of 4 cap pairs"), note
        else:
            assert "never binds on this map (fails in none of 4 cap pairs)" in note, note
    # 5 launchers cannot meet a 20-warhead requirement: both deterrents fail on that row.
    assert failing["blue's deterrent fails"][0].all() and failing["red's deterrent fails"][0].all()
    assert notes[1] == "blue's deterrent fails: fails in 2 of 4 cap pairs"
    lo = float(m.stability_index.min())
    assert f"lowest index on the map {lo:.3f}" in notes[3]
    # The first-strike test binds only where the lowest index is below the threshold.
    assert ("never binds" in notes[3]) == (lo >= m.threshold)
    assert m.to_dict()["conditions"] == notes
