"""Fire-control assigners over the ``shieldlab.wta`` solvers (``doctrine.assigner``).

``optimal``: at each decision, the salvos that minimise the expected value of the
threats that survive them, subject to every limit the engine enforces, solved as a MILP
(:func:`shieldlab.wta.exact.solve_exact` with :class:`~shieldlab.wta.exact.SideLimits`).
Mapping of an :class:`~shieldlab.c2.base.AssignmentProblem` onto static WTA:

* WTA targets = threat rows, value ``V_a = threat_value[a] * survive[a]`` (threat value
  from threat evaluation, times the node's belief that the threat is still alive), and
  with the doctrine's ``time_to_impact`` priority divided by the time to impact in
  seconds (at least 1 s): a heuristic urgency weight, because the per-decision optimum
  is myopic and would otherwise spend scarce channels on threats that could still be
  engaged later (with scarce channels it still loses to time-to-impact greedy, which
  also frees channels sooner: docs/wta.md, fire-control benchmark);
* WTA weapon types = weapon columns; one WTA "weapon" is one salvo of
  ``r_b = min(salvo_size, ready[b], free guidance channels of b's battery)`` rounds, kill
  probability ``1 - (1 - pk)^r_b``, and weapon b has ``ready[b] // r_b`` of them;
* only feasible pairs (``intercept_s >= 0``) have a non-zero kill probability;
* side limits: at most ``salvos_left[a]`` salvos on threat a; per battery, rounds guided
  at once within its free guidance channels and new threats within its free target
  channels (threats it already engages cost no target channel).

Salvos are fired in order of threat impact time. The solve has a time limit per
decision (``time_limit_s``, 1 s by default); at the limit the best salvos found are
fired (never worse than firing nothing, and in practice equal to or better than greedy:
the MILP is warm-started with the greedy salvos when they fit the model). It runs on the
engine's Python path, which is much slower than the compiled greedy kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from shieldlab.c2.base import (
    PRIORITY_TIME_TO_IMPACT,
    AssignmentProblem,
    Salvo,
    WeaponAssigner,
    salvo_pk,
)
from shieldlab.wta.base import WTAInstance
from shieldlab.wta.exact import SideLimits

I64 = npt.NDArray[np.int64]


def _to_wta(problem: AssignmentProblem) -> tuple[WTAInstance, SideLimits, I64] | None:
    """The decision as a WTA instance with side limits, and the rounds per salvo of b."""
    p = problem
    m, n = p.pk.shape  # threats, weapons
    n_bat = int(p.battery_free_guided.shape[0])
    bat = p.weapon_battery.astype(np.int64)
    free_g = p.battery_free_guided.astype(np.int64)
    rounds = np.minimum(np.minimum(int(p.salvo_size), p.ready), free_g[bat]).astype(np.int64)
    usable_w = rounds >= 1
    counts = np.where(usable_w, p.ready // np.maximum(rounds, 1), 0).astype(np.int64)
    value = (p.threat_value * p.survive).astype(np.float64)
    if p.priority == PRIORITY_TIME_TO_IMPACT:
        # Urgency: a threat close to impact has few engagement chances left, one far out
        # can be engaged later. Value per second of time to go (floored at 1 s) makes
        # the per-decision optimum favour urgent threats (plain value did worse with
        # scarce channels; neither prices channel time, docs/wta.md).
        value = value / np.maximum(p.impact_s - p.time_s, 1.0)
    feasible = (p.intercept_s >= 0.0) & usable_w[None, :] & (p.salvos_left[:, None] > 0)
    feasible &= value[:, None] > 0.0
    if not feasible.any():
        return None
    prob = np.zeros((n, m))
    for a, b in zip(*np.nonzero(feasible), strict=True):
        prob[b, a] = salvo_pk(float(p.pk[a, b]), int(rounds[b]))
    inst = WTAInstance(target_values=value, kill_probability=prob, weapon_counts=counts)
    limits = SideLimits(
        target_max_weapons=p.salvos_left.astype(np.int64),
        weapon_group=bat,
        weapon_units=rounds,
        group_units=free_g,
        group_new_targets=p.battery_free_targets.astype(np.int64),
        group_engaged=np.asarray(p.battery_engaging, dtype=bool).reshape(n_bat, m),
    )
    return inst, limits, rounds


class OptimalAssigner(WeaponAssigner):
    """Expected-surviving-value-optimal salvos under the engine's limits (MILP, HiGHS)."""

    name = "optimal"

    def __init__(self, *, time_limit_s: float = 1.0) -> None:
        self.time_limit_s = time_limit_s

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        from shieldlab.c2.greedy import GreedyAssigner
        from shieldlab.wta.exact import solve_exact

        mapped = _to_wta(problem)
        if mapped is None:
            return []
        inst, limits, rounds = mapped
        start = self._greedy_start(problem, rounds, GreedyAssigner().assign(problem))
        if start is not None and limits.violations(start):
            start = None
        x, _lb, _proven, _stats = solve_exact(
            inst, time_limit_s=self.time_limit_s, start=start, limits=limits
        )
        order = np.argsort(problem.impact_s, kind="stable")
        out: list[Salvo] = []
        for a in order.tolist():
            for b in np.flatnonzero(x[:, a]).tolist():
                out.extend(Salvo(threat=a, weapon=b, rounds=int(rounds[b])) for _ in range(x[b, a]))
        return out

    @staticmethod
    def _greedy_start(problem: AssignmentProblem, rounds: I64, salvos: list[Salvo]) -> I64 | None:
        """The greedy salvos as a WTA assignment, if all have the model's salvo size."""
        m, n = problem.pk.shape
        x = np.zeros((n, m), dtype=np.int64)
        for s in salvos:
            if s.rounds != rounds[s.weapon]:
                return None
            x[s.weapon, s.threat] += 1
        return x


class DynamicAssigner(WeaponAssigner):
    """Shoot-look-shoot planning: the optimal salvos, minus rounds better held for a look.

    Without shoot-look-shoot (``problem.looks_left`` is None) it is the ``optimal``
    assigner. With it, each decision:

    1. start from the :class:`OptimalAssigner` salvos (every engine limit holds);
    2. map the decision onto a multi-stage WTA in rounds: targets = threat rows with
       value ``threat_value * survive`` (expected value, no urgency weight: the stages
       model urgency), weapon types = weapon columns with ``ready`` rounds and the
       one-round kill probability ``pk`` where the pair is feasible now; later
       engagements of a threat = ``looks_left - 1`` if it may be engaged now, else
       ``looks_left`` (it waits for kill assessment), each at most ``salvo_size`` rounds;
    3. :func:`shieldlab.wta.dynamic.plan_stages` from the start plan: hold back one
       round at a time while that lowers the two-stage expected surviving value
       (fire now, look, reserve to the survivors that have a later engagement; ties go to
       fewer expected rounds);
    4. fire the start salvos cut down to the planned rounds (same order; removing
       rounds breaks no limit, so the result is as feasible as the start).

    With one engagement left for every threat it fires exactly the optimal salvos.
    Threats that are not yet engageable and threats of later waves are not seen (the
    node plans over the threats it tracks), so the reserve is planned for looks, not
    for future raids.
    """

    name = "dynamic"

    def __init__(
        self,
        *,
        time_limit_s: float = 1.0,
        samples: int = 128,
        max_enumerated_targets: int = 8,
        seed: int = 0,
    ) -> None:
        self.time_limit_s = time_limit_s
        self.samples = samples
        self.max_enumerated_targets = max_enumerated_targets
        self.seed = seed

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        from shieldlab.wta.dynamic import plan_stages

        start = OptimalAssigner(time_limit_s=self.time_limit_s).assign(problem)
        p = problem
        if p.looks_left is None or not start:
            return start
        m, n = p.pk.shape
        now = p.salvos_left > 0
        later = np.maximum(np.where(now, p.looks_left - 1, p.looks_left), 0).astype(np.int64)
        if not any(later[s.threat] > 0 for s in start):
            return start  # nothing could be done after a look: fire the optimum
        x = np.zeros((n, m), dtype=np.int64)
        for s in start:
            x[s.weapon, s.threat] += s.rounds
        prob = np.where(p.intercept_s >= 0.0, p.pk, 0.0).T
        inst = WTAInstance(
            target_values=(p.threat_value * p.survive).astype(np.float64),
            kill_probability=prob,
            weapon_counts=np.maximum(p.ready, 0).astype(np.int64),
        )
        plan = plan_stages(
            inst,
            np.where(later > 0, 2, 1),
            start=x,
            later_cap=later * int(p.salvo_size),
            samples=self.samples,
            seed=self.seed,
            max_enumerated_targets=self.max_enumerated_targets,
        )
        left = plan.fire_now.copy()
        out: list[Salvo] = []
        for s in start:
            r = int(min(s.rounds, left[s.weapon, s.threat]))
            if r > 0:
                out.append(Salvo(threat=s.threat, weapon=s.weapon, rounds=r))
                left[s.weapon, s.threat] -= r
        return out


def register(register_assigner: Callable[[str, Callable[[], WeaponAssigner]], None]) -> None:
    """Register the WTA-based assigners with :mod:`shieldlab.c2.registry`."""
    register_assigner(OptimalAssigner.name, OptimalAssigner)
    register_assigner(DynamicAssigner.name, DynamicAssigner)
