"""Restoring deterrence: missiles and decoys needed, marginal cost exchange."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from posture_builders import make_posture, side_dict

from shieldlab.stability.deterrence import (
    cost_exchange,
    decoys_needed,
    missiles_needed,
    restore_deterrence,
)
from shieldlab.stability.penetration import DefenceModel, Requirement, penetration
from shieldlab.stability.posture import builtin_posture


def test_no_defence_needs_ceil_k_over_w() -> None:
    assert missiles_needed(None, Requirement(warheads=7, probability=0.9), 3) == 3
    assert missiles_needed(None, Requirement(warheads=7, expected=6.0), 2) == 3
    zero = DefenceModel(interceptors=0, shots_per_threat=2, sspk=0.9)
    assert missiles_needed(zero, Requirement(warheads=7, probability=0.9), 1) == 7


def test_hand_cases_with_defence() -> None:
    # Perfect defence (Pk = 1), 10 interceptors, 1 shot: 10 warheads are stopped, so
    # 15 missiles are needed for 5 penetrators, whatever the mode.
    perfect = DefenceModel(interceptors=10, shots_per_threat=1, sspk=1.0)
    assert missiles_needed(perfect, Requirement(warheads=5, expected=5.0), 1) == 15
    assert missiles_needed(perfect, Requirement(warheads=5, probability=0.99), 1) == 15
    # Pk = 0.5, 2 interceptors, 1 shot; P(>= 1) >= 0.7: one missile gives 0.5, two give
    # 1 - 0.5^2 = 0.75 -> 2.
    half = DefenceModel(interceptors=2, shots_per_threat=1, sspk=0.5)
    assert missiles_needed(half, Requirement(warheads=1, probability=0.7), 1) == 2


@settings(max_examples=120, deadline=None)
@given(
    shots=st.integers(1, 3),
    sspk=st.floats(0.0, 1.0),
    pd=st.floats(0.0, 1.0),
    w=st.integers(1, 4),
    k=st.integers(1, 40),
    prob=st.one_of(st.none(), st.floats(0.01, 1.0)),
)
def test_more_interceptors_never_lower_missiles_needed(
    shots: int, sspk: float, pd: float, w: int, k: int, prob: float | None
) -> None:
    req = (
        Requirement(warheads=k, probability=prob)
        if prob is not None
        else Requirement(warheads=k, expected=float(k))
    )
    base = DefenceModel(interceptors=0, shots_per_threat=shots, sspk=sspk, p_detect=pd)
    needed = [missiles_needed(base.with_interceptors(i), req, w) for i in range(0, 90, 3)]
    assert all(b >= a for a, b in itertools.pairwise(needed))
    assert needed[0] == missiles_needed(None, req, w)


def test_decoys_hand_case() -> None:
    # Mean-field share (the convention before issue 18, named explicitly; under the exact
    # random-order default a decoy never makes a warhead *surely* unengaged, see
    # test_stability_exact_decoys.py). 4 interceptors, 1 shot, Pk = 1, D = 0 (every decoy
    # draws a shot); 1 warhead must surely penetrate: shots on it floor(4 / (1 + d)) must
    # be 0 -> d >= 4.
    d = DefenceModel(
        interceptors=4,
        shots_per_threat=1,
        sspk=1.0,
        discrimination=0.0,
        engagement="pd-in-pk",
        decoy_model="mean-field",
    )
    req = Requirement(warheads=1, probability=1.0)
    assert decoys_needed(d, req, np.array([1]), 1).tolist() == [4]
    # Two warheads: shots on them floor(4 * 2 / (2 + d)) = 4, 2, 2 for d = 0, 1, 2 (both
    # still engaged), and 1 for d = 3 (one warhead unengaged, so it surely penetrates).
    assert decoys_needed(d, req, np.array([2]), 1).tolist() == [3]
    # Perfect discrimination: decoys never help -> -1.
    d1 = replace(d, discrimination=1.0)
    assert decoys_needed(d1, req, np.array([1]), 1).tolist() == [-1]
    # Already met with no decoys -> 0.
    assert decoys_needed(d, req, np.array([5]), 1).tolist() == [0]


@settings(max_examples=60, deadline=None)
@given(
    inv=st.integers(1, 80),
    disc=st.floats(0.0, 0.95),
    n=st.integers(1, 30),
    k=st.integers(1, 20),
)
def test_decoys_needed_is_the_threshold(inv: int, disc: float, n: int, k: int) -> None:
    d = DefenceModel(
        interceptors=inv, shots_per_threat=2, sspk=0.8, p_detect=0.9, discrimination=disc
    )
    req = Requirement(warheads=min(k, n), probability=0.5)
    got = int(decoys_needed(d, req, np.array([n]), 1)[0])
    assert got >= 0
    pen = penetration(d, n, req.warheads, got)
    assert req.met(pen.expected, pen.p_at_least_k)
    if got > 0:
        before = penetration(d, n, req.warheads, got - 1)
        assert not req.met(before.expected, before.p_at_least_k)


def test_cost_exchange_hand_cases() -> None:
    # I = 10, n = 2 shots, SSPK 0.5 -> Pk = 0.75, 5 warheads coverable.
    d = DefenceModel(interceptors=10, shots_per_threat=2, sspk=0.5, discrimination=0.6)
    # Saturated raid of 10: each missile adds 1 penetrator (cost 10); each interceptor
    # stops Pk / n = 0.375 (cost 3 / 0.375 = 8); ratio 1.25. A decoy adds
    # Pk (1 - D) (I / n) / N = 0.75 * 0.4 * 5 / 10 = 0.15 -> 0.5 / 0.15.
    cx = cost_exchange(
        d, 10, warheads_per_missile=1, missile_cost=10.0, decoy_cost=0.5, interceptor_cost=3.0
    )
    assert cx.attacker_cost_per_warhead_missile == pytest.approx(10.0)
    assert cx.defender_cost_per_warhead_stopped == pytest.approx(8.0)
    assert cx.ratio_missile == pytest.approx(1.25)
    assert cx.attacker_cost_per_warhead_decoy == pytest.approx(0.5 / 0.15)
    assert cx.ratio_decoy == pytest.approx(0.5 / 0.15 / 8.0)
    # Raid of 2, every warhead engaged: a missile adds 1 - Pk = 0.25 -> 40 per warhead;
    # a spare interceptor stops nothing -> defender cost inf, ratio 0.
    cx2 = cost_exchange(
        d, 2, warheads_per_missile=1, missile_cost=10.0, decoy_cost=0.5, interceptor_cost=3.0
    )
    assert cx2.attacker_cost_per_warhead_missile == pytest.approx(40.0)
    assert math.isinf(cx2.defender_cost_per_warhead_stopped)
    assert cx2.ratio_missile == 0.0


def test_restore_on_builtin_posture() -> None:
    p = builtin_posture()
    for side in ("blue", "red"):
        r = restore_deterrence(p, side)  # type: ignore[arg-type]
        assert r.missiles_with_defence >= r.missiles_without_defence
        assert r.extra_missiles == r.missiles_with_defence - r.missiles_without_defence
        a = p.side(side)  # type: ignore[arg-type]
        assert r.extra_missiles_cost == pytest.approx(r.extra_missiles * a.costs.missile)
        # The cheapest mix is never dearer than restoring with missiles alone (the mixes
        # searched include the all-missile raid with no decoys).
        assert r.cheapest_mix is not None
        assert r.cheapest_mix.cost <= r.extra_missiles_cost + 1e-9
        mix = r.cheapest_mix
        added = (mix.missiles - r.missiles_without_defence) * a.costs.missile
        assert mix.cost == pytest.approx(added + mix.decoys * a.costs.decoy)


def test_restore_symmetric_posture_gives_symmetric_answers() -> None:
    p = make_posture()
    b = restore_deterrence(p, "blue")
    r = restore_deterrence(p, "red")
    assert b.missiles_with_defence == r.missiles_with_defence
    assert b.cheapest_mix == r.cheapest_mix
    assert b.cost_exchange.ratio_missile == r.cost_exchange.ratio_missile


def test_restore_without_defence_needs_nothing_extra() -> None:
    p = make_posture(side_dict(defence__interceptors=0))
    r = restore_deterrence(p, "blue")
    assert r.extra_missiles == 0
    assert r.missiles_without_defence == 20
