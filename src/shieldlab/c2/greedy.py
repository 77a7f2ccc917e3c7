"""Greedy salvo-by-salvo assignment: the doctrine compiled into the kernel, in Python.

Salvos are chosen one at a time: among feasible (threat, weapon) pairs that the limits
still allow, take the best by the doctrine's priority, fire a salvo of
min(salvo_size, ready rounds, free guidance channels), update the node's belief that the
threat survives, repeat. Priorities (lexicographic keys, larger first, then lower threat
and weapon index):

- ``time_to_impact``: (-impact time, -intercept time, survive · P_salvo) -- the most
  urgent threat gets the weapon that intercepts it earliest: outer layers engage first
  and leave time for shoot-look-shoot with inner layers (a layered-defence rule; the
  pure marginal-return rule would always pick the highest-SSPK inner layer);
- ``layered`` (the default): the keys of ``time_to_impact``, over the pairs the doctrine
  does not hold fire on (``AssignmentProblem.hold``: a weapon waits while waiting or
  another weapon does better with the rounds and channels at hand; docs/engine.md);
- ``asset_value``: (value · survive · P_salvo, -impact time, -intercept time) -- the
  largest expected value destroyed first (marginal return, den Broeder, Ellison &
  Emerling 1959, Operations Research 7:322).

With kill probabilities depending on the target only, the marginal-return greedy is
optimal for the static problem (den Broeder et al. 1959); in general it is a heuristic.
The estimated impact time is the node's (``AssignmentProblem.impact_s``: truth plus ideal
track noise). The compiled kernel (``engine.kernel``) uses the same keys and tie-breaks, and
tests check that both give identical outcomes.
"""

from __future__ import annotations

from shieldlab.c2.base import (
    PRIORITY_ASSET_VALUE,
    AssignmentProblem,
    Salvo,
    WeaponAssigner,
    salvo_pk,
)


class GreedyAssigner(WeaponAssigner):
    """Largest marginal return first, one salvo at a time."""

    name = "greedy"

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        p = problem
        m, n = p.pk.shape
        ready = p.ready.copy()
        free_t = p.battery_free_targets.copy()
        free_g = p.battery_free_guided.copy()
        engaging = p.battery_engaging.copy()
        left = p.salvos_left.copy()
        survive = p.survive.copy()
        out: list[Salvo] = []
        while True:
            best: tuple[float, float, float, int, int] | None = None
            best_pair = (-1, -1, 0)
            for a in range(m):
                if left[a] < 1:
                    continue
                for b in range(n):
                    tint = float(p.intercept_s[a, b])
                    if tint < 0.0:
                        continue
                    if p.hold is not None and p.hold[a, b]:
                        continue
                    bat = int(p.weapon_battery[b])
                    if ready[b] <= 0 or free_g[bat] <= 0:
                        continue
                    if not engaging[bat, a] and free_t[bat] <= 0:
                        continue
                    rounds = int(min(p.salvo_size, ready[b], free_g[bat]))
                    ps = salvo_pk(float(p.pk[a, b]), rounds)
                    if p.priority != PRIORITY_ASSET_VALUE:
                        k1, k2, k3 = -float(p.impact_s[a]), -tint, float(survive[a]) * ps
                    else:
                        k1 = float(p.threat_value[a]) * float(survive[a]) * ps
                        k2, k3 = -float(p.impact_s[a]), -tint
                        if k1 <= 0.0:
                            continue
                    # Ties go to the lower engine threat index, then weapon index.
                    key = (k1, k2, k3, -int(p.threat[a]), -int(p.weapon[b]))
                    if best is None or key > best:
                        best = key
                        best_pair = (a, b, rounds)
            if best is None:
                return out
            a, b, rounds = best_pair
            bat = int(p.weapon_battery[b])
            out.append(Salvo(threat=a, weapon=b, rounds=rounds))
            ready[b] -= rounds
            free_g[bat] -= rounds
            if not engaging[bat, a]:
                free_t[bat] -= 1
                engaging[bat, a] = True
            left[a] -= 1
            survive[a] *= 1.0 - salvo_pk(float(p.pk[a, b]), rounds)
