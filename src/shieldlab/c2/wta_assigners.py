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
  engaged later;
* WTA weapon types = weapon columns; one WTA "weapon" is one salvo of
  ``r_b = min(salvo_size, ready[b], free guidance channels of b's battery)`` rounds, kill
  probability ``1 - (1 - pk)^r_b``, and weapon b has ``ready[b] // r_b`` of them;
* only feasible pairs (``intercept_s >= 0``) have a non-zero kill probability;
* side limits: at most ``salvos_left[a]`` salvos on threat a; per battery, rounds guided
  at once within its free guidance channels and new threats within its free target
  channels (threats it already engages cost no target channel);
* channel time (``price_channels``, on by default): a channel is held from launch to
  intercept, so a salvo also costs ``lambda_b u tau`` -- the battery's channel price
  (:func:`channel_prices`, the dual of a fluid LP over the visible threats) times the
  share of its channels held times the flight time. Without it the optimum took the
  highest kill probability, often the longest flight, and with scarce channels engaged
  fewer threats than greedy (docs/wta.md). Where channels do not bind the price is 0
  and the salvos are exactly the unpriced ones.

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
    PRIORITY_ASSET_VALUE,
    AssignmentProblem,
    Salvo,
    WeaponAssigner,
    salvo_pk,
)
from shieldlab.wta.base import WTAInstance
from shieldlab.wta.exact import SideLimits

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Salvos pay (1 + PRICE_MARGIN) x the channel price: ties at the margin go to shorter flights.
PRICE_MARGIN = 0.01
#: Kill-probability stand-in of a salvo whose channel cost exceeds its value (x P x
#: shortest flight / its flight): positive, so a channel that would idle still fires.
IDLE_TOKEN = 1e-3


def _urgent_value(problem: AssignmentProblem) -> F64:
    """WTA target values: ``threat_value * survive``, per second to go under time_to_impact."""
    p = problem
    value = (p.threat_value * p.survive).astype(np.float64)
    if p.priority != PRIORITY_ASSET_VALUE:
        # Urgency: a threat close to impact has few engagement chances left, one far out
        # can be engaged later. Value per second of time to go (floored at 1 s) makes
        # the per-decision optimum favour urgent threats (plain value did worse with
        # scarce channels, docs/wta.md).
        value = value / np.maximum(p.impact_s - p.time_s, 1.0)
    return value


def _channel_totals(p: AssignmentProblem) -> tuple[F64, F64, F64, F64]:
    """Per battery: free target and guidance channels, and their totals (at least the free
    ones; the free ones when the problem does not say)."""
    free_t = p.battery_free_targets.astype(np.float64)
    free_g = p.battery_free_guided.astype(np.float64)
    max_t = free_t if p.battery_max_targets is None else p.battery_max_targets.astype(float)
    max_g = free_g if p.battery_max_guided is None else p.battery_max_guided.astype(float)
    return free_t, free_g, np.maximum(max_t, free_t), np.maximum(max_g, free_g)


def channel_share(problem: AssignmentProblem, rounds: I64) -> F64:
    """Share of its battery's channels a salvo of weapon w at threat a holds, (m, n).

    ``max(new_a / T_b, r_w / G_b)``: ``T_b``, ``G_b`` the battery's target and guidance
    channels in all (the free ones when unknown), ``new_a`` 0 when the battery already
    engages the threat (no new target channel), else 1.
    """
    p = problem
    m = p.pk.shape[0]
    n_bat = int(p.battery_free_guided.shape[0])
    bat = p.weapon_battery.astype(np.int64)
    _, _, max_t, max_g = _channel_totals(p)
    max_t = np.maximum(max_t, 1.0)[bat]
    max_g = np.maximum(max_g, 1.0)[bat]
    engaging = np.asarray(p.battery_engaging, dtype=bool).reshape(n_bat, m)[bat].T
    new = np.where(engaging, 0.0, 1.0)
    return np.maximum(new / max_t[None, :], (rounds / max_g)[None, :])


def channel_prices(problem: AssignmentProblem, value: F64, rounds: I64, pk_salvo: F64) -> F64:
    """Shadow price of each battery's fire-control capacity, per capacity-second.

    Fluid (LP) relaxation of the engagements of the visible threats over the horizon
    ``H_b`` (the latest intercept battery b could make now, from now)::

        max  sum_{a,w} V_a P_aw y_aw
        s.t. sum_w y_aw <= s_a                       (salvos threat a may still receive)
             sum_{a, w of b} u_aw tau_aw y_aw <= K_b            (battery b's capacity)
             0 <= y_aw <= 1

    with ``P_aw`` the salvo kill probability, ``tau_aw`` its flight time (intercept time
    minus now: the channels are held that long), ``u_aw = max(new_a / T_b, r_w / G_b)``
    the share of b's channels it holds (``T_b``, ``G_b`` target and guidance channels in
    all, ``new_a`` 1 unless b already engages a: one resource, the binding one of the
    two), and ``K_b = f_b H_b`` the capacity-seconds left to the visible threats (``f_b``
    the free share of b's channels now). Taking the free share as lasting over the
    horizon is a stationary-load assumption: the channels busy now free up, but new
    threats (which this node cannot see yet) arrive at the rate that made them busy and
    take them again. The dual of b's capacity row is the price
    ``lambda_b >= 0``: the value an extra capacity-second would add (Lagrangian
    relaxation of the multi-cycle channel constraint, e.g. Fisher 1981, Management
    Science 27:1). It is 0 when the best-kill-probability options of every visible
    threat fit in the capacity, so pricing then changes nothing. The capacity rows get
    a relative 1e-6 more so that the dual is the marginal value of one more second (the
    right derivative), not an arbitrary one of a degenerate vertex.
    """
    from scipy.optimize import linprog

    p = problem
    n_bat = int(p.battery_free_guided.shape[0])
    bat = p.weapon_battery.astype(np.int64)
    free_t, free_g, max_t, max_g = _channel_totals(p)
    pairs = [(a, w) for a, w in zip(*np.nonzero(pk_salvo > 0.0), strict=True)]
    prices = np.zeros(n_bat)
    if not pairs:
        return prices
    tau = np.array([max(float(p.intercept_s[a, w]) - p.time_s, 0.0) for a, w in pairs])
    share = channel_share(p, rounds)
    use = np.array([share[a, w] for a, w in pairs])
    gain = np.array([value[a] * pk_salvo[a, w] for a, w in pairs])
    pair_bat = np.array([int(bat[w]) for _, w in pairs])
    bats = sorted(set(pair_bat.tolist()))
    threats = sorted({a for a, _ in pairs})
    a_ub = np.zeros((len(threats) + len(bats), len(pairs)))
    b_ub = np.zeros(len(threats) + len(bats))
    row_of_threat = {a: i for i, a in enumerate(threats)}
    for k, (a, _) in enumerate(pairs):
        a_ub[row_of_threat[a], k] = 1.0
    b_ub[: len(threats)] = [float(p.salvos_left[a]) for a in threats]
    for j, b in enumerate(bats):
        mine = pair_bat == b
        horizon = float(tau[mine].max())
        share_free = min(
            free_t[b] / max_t[b] if max_t[b] > 0 else 1.0,
            free_g[b] / max_g[b] if max_g[b] > 0 else 1.0,
        )
        a_ub[len(threats) + j, mine] = use[mine] * tau[mine]
        capacity = share_free * horizon
        # A hair more capacity makes the dual the value of one more capacity-second (the
        # right derivative of the LP value): at a degenerate vertex (the capacity used up
        # exactly, common when all flights are alike) any dual in an interval is optimal,
        # and its top would price out salvos that are worth their channels.
        b_ub[len(threats) + j] = capacity + 1e-6 * (1.0 + capacity)
    res = linprog(-gain, A_ub=a_ub, b_ub=b_ub, bounds=(0.0, 1.0), method="highs")
    if res.status != 0:  # pragma: no cover - a bounded feasible LP (y = 0 is feasible)
        return prices
    duals = -np.asarray(res.ineqlin.marginals)[len(threats) :]
    for j, b in enumerate(bats):
        prices[b] = max(float(duals[j]), 0.0)
    return prices


def _to_wta(
    problem: AssignmentProblem, *, price_channels: bool = False
) -> tuple[WTAInstance, SideLimits, I64] | None:
    """The decision as a WTA instance with side limits, and the rounds per salvo of b.

    With ``price_channels`` each salvo's value is cut by its channel cost
    ``lambda_b u_aw tau_aw`` (:func:`channel_prices`), folded into the kill probability
    ``P'_aw = P_aw - lambda_b u_aw tau_aw / V_a`` (pairs with ``P' <= 0`` dropped): exact
    for threats that may receive one salvo now (always under shoot-look-shoot).
    """
    p = problem
    m, n = p.pk.shape
    n_bat = int(p.battery_free_guided.shape[0])
    bat = p.weapon_battery.astype(np.int64)
    free_g = p.battery_free_guided.astype(np.int64)
    rounds = np.minimum(np.minimum(int(p.salvo_size), p.ready), free_g[bat]).astype(np.int64)
    usable_w = rounds >= 1
    counts = np.where(usable_w, p.ready // np.maximum(rounds, 1), 0).astype(np.int64)
    value = _urgent_value(p)
    feasible = (p.intercept_s >= 0.0) & usable_w[None, :] & (p.salvos_left[:, None] > 0)
    feasible &= value[:, None] > 0.0
    if not feasible.any():
        return None
    pk_salvo = np.zeros((m, n))  # threat x weapon
    for a, b in zip(*np.nonzero(feasible), strict=True):
        pk_salvo[a, b] = salvo_pk(float(p.pk[a, b]), int(rounds[b]))
    if price_channels:
        lam = channel_prices(p, value, rounds, pk_salvo)
        if lam.any():
            share = channel_share(p, rounds)
            tau = np.maximum(p.intercept_s - p.time_s, 0.0)
            # Just above the clearing price: at the LP's marginal (fractional) item the
            # options of a threat tie on net value, and the tie goes to the one holding
            # the channels for less time (it leaves the rest of the plan feasible).
            cut = (1.0 + PRICE_MARGIN) * lam[bat][None, :] * share * tau
            net = pk_salvo - cut / np.maximum(value, 1e-300)[:, None]
            # A salvo priced out is still better than a channel idle this cycle: keep it
            # at a token value, ranked by kill probability per second of flight.
            on = pk_salvo > 0.0
            held = np.maximum(tau, 1.0)
            token = IDLE_TOKEN * pk_salvo * float(held[on].min()) / held
            priced = (lam[bat] > 0.0)[None, :] & on
            pk_salvo = np.where(priced, np.where(net > token, net, token), pk_salvo)
    inst = WTAInstance(
        target_values=value, kill_probability=pk_salvo.T.copy(), weapon_counts=counts
    )
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

    def __init__(self, *, time_limit_s: float = 1.0, price_channels: bool = True) -> None:
        self.time_limit_s = time_limit_s
        self.price_channels = price_channels

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        from shieldlab.c2.greedy import GreedyAssigner
        from shieldlab.wta.exact import solve_exact

        mapped = _to_wta(problem, price_channels=self.price_channels)
        if mapped is None:
            return []
        inst, limits, rounds = mapped
        useful = inst.kill_probability > 0.0  # (weapon, threat): priced-out pairs are not
        start = self._greedy_start(problem, rounds, GreedyAssigner().assign(problem))
        if start is not None:
            start = np.where(useful, start, 0)  # removing salvos keeps the start feasible
            if limits.violations(start):
                start = None
        x, _lb, _proven, _stats = solve_exact(
            inst, time_limit_s=self.time_limit_s, start=start, limits=limits
        )
        x = np.where(useful, x, 0)  # a salvo of no net value is not worth its channels
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
        price_channels: bool = True,
        samples: int = 128,
        max_enumerated_targets: int = 8,
        seed: int = 0,
    ) -> None:
        self.time_limit_s = time_limit_s
        self.price_channels = price_channels
        self.samples = samples
        self.max_enumerated_targets = max_enumerated_targets
        self.seed = seed

    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        from shieldlab.wta.dynamic import plan_stages

        start = OptimalAssigner(
            time_limit_s=self.time_limit_s, price_channels=self.price_channels
        ).assign(problem)
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
