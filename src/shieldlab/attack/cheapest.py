"""The cheapest raid with P(>= K lethal leakers) >= P, beside the closed-form answer.

The engine's answer to "how many more missiles restore deterrence". Four stages, all on
one seed (common random numbers, docs/attack.md):

1. **Front.** A two-objective Optuna search (TPE; maximise the screening estimate of
   P(>= K), minimise the cost) on replications ``0 .. n - 1``. Its cost-probability
   front does not depend on P, so one stored study serves every P.
2. **Line searches.** A *line* is a family of nested raids raid(0) <= raid(1) <= ...
   (counts never fall as t grows, so cost never falls): the "cheapest lethal rounds
   first" fill, and each front raid near P scaled down and up. Along a line the requirement
   is a monotone step, so the cheapest passing raid is found by galloping and bisection
   over t, started at the closed form's missile count (the warm start), on *fresh*
   replications ``n .. n + N - 1``.
3. **Descent.** From the cheapest line answer, and from the cheapest passing raid on the
   line through the *optimiser's best raid* (a single-objective search of expected
   leakers within the budget: the structure -- launch areas, windows, aims, mix -- that
   saturates the defence best), a local descent on the same fresh block
   (:func:`descend`): drop rounds of one option (galloping, dearest option first); when
   none can go, swap one round of an option for as many cheaper rounds of another as
   still cost less; when no swap passes either, change one option's launch area, window
   or aim to the one raising P(>= K) most, then try drops and swaps again. Every accepted
   move lowers the cost, or keeps it and raises P, so the descent ends -- at a raid no
   single move of these kinds makes cheaper (a *local minimum*), or at its evaluation cap.
   Acceptance rule: a raid *passes* when its estimate of P(>= K) on the search block
   (N fresh replications, the same seed and replication numbers for every raid, so every
   comparison is paired) is >= P.
4. **Check.** The answer's "just below" figure is the best raid one round cheaper (it
   fails); answer and just-below are re-run on an independent block
   ``n + N .. n + 2N - 1`` (*confirmation*, free of the selection among many raids on the
   search block).

The closed form is ``stability restore``'s: Wilkening's fewest missiles
(:func:`shieldlab.stability.deterrence.missiles_needed`) against the scenario's defence
reduced to a :class:`~shieldlab.stability.penetration.DefenceModel` -- its total
inventory (reloads included), ``salvo_size x max_engagements_per_threat`` shots per
warhead and the best single-shot Pk (``analytic.crosscheck.closed_form_for``), priced at
the arsenal's cheapest lethal round. :func:`explain_gap` splits the cost ratio engine /
closed form exactly into (lethal rounds) x (price per lethal round) x (all spend / lethal
spend) and states what the engine measured behind each factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from shieldlab.attack.arsenal import Arsenal
from shieldlab.attack.evaluate import Evaluation, Evaluator, Objective
from shieldlab.attack.optimise import (
    Progress,
    SearchLog,
    SearchRecord,
    SearchSettings,
    search_raids,
)
from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = [
    "CheapestResult",
    "ClosedFormRestore",
    "Descent",
    "RaidLine",
    "cheapest_raid",
    "check_requirement",
    "closed_form_restore",
    "descend",
    "explain_gap",
]


@dataclass(frozen=True, kw_only=True)
class ClosedFormRestore:
    """``stability restore``'s closed-form answer for the scenario's defence."""

    interceptors: int
    shots_per_threat: int
    sspk: float
    p_kill: float
    missiles: int
    cost_usd: float
    unit_cost_usd: float
    #: warheads the closed form engages: floor(interceptors / shots_per_threat)
    covered: int = 0
    #: the arsenal's cheapest lethal option(s) and how many rounds of them it offers
    cheapest_options: tuple[str, ...] = ()
    cheapest_available: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["cheapest_options"] = list(self.cheapest_options)
        return d


def _lethal_flags(space: RaidSpace) -> tuple[bool, ...]:
    tt = {t.name: t for t in space.scenario.threat_types}
    return tuple(bool(tt[o.threat].lethal) for o in space.arsenal.threats)


def closed_form_restore(
    scenario: Scenario, space: RaidSpace, k: int, p: float
) -> ClosedFormRestore:
    """Fewest missiles for P(>= k penetrate) >= p against the defence in closed form;
    priced at the arsenal's cheapest lethal round."""
    from shieldlab.analytic.crosscheck import closed_form_for
    from shieldlab.stability.deterrence import missiles_needed
    from shieldlab.stability.penetration import DefenceModel, Requirement

    cf = closed_form_for(scenario)
    defence = DefenceModel(
        interceptors=int(cf.inventory),
        shots_per_threat=max(1, int(cf.shots_per_threat)),
        sspk=float(cf.p_shot),
    )
    n = missiles_needed(defence, Requirement(warheads=k, probability=p))
    lethal = _lethal_flags(space)
    units = [u for u, ok in zip(space.unit_cost_usd, lethal, strict=True) if ok]
    unit = min(units) if units else math.nan
    cheapest = [
        i for i, (u, ok) in enumerate(zip(space.unit_cost_usd, lethal, strict=True))
        if ok and u == unit
    ]  # fmt: skip
    return ClosedFormRestore(
        interceptors=defence.interceptors,
        shots_per_threat=defence.shots_per_threat,
        sspk=defence.sspk,
        p_kill=defence.p_kill,
        missiles=int(n),
        cost_usd=n * unit,
        unit_cost_usd=unit,
        covered=defence.interceptors // defence.shots_per_threat,
        cheapest_options=tuple(space.arsenal.threats[i].name for i in cheapest),
        cheapest_available=sum(space.arsenal.threats[i].max_count for i in cheapest),
    )


# --- lines of nested raids ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RaidLine:
    """Nested raids ``raid(0) <= raid(1) <= ... <= raid(t_max)`` (no count ever falls).

    ``fill``: t lethal rounds, the options in ``order`` filled to their maxima one after
    the other (cheapest first). ``scale``: the ``template`` counts times t / sum(template),
    rounded, capped at the maxima. ``configs`` holds each option's (area, window, aim).
    Every raid keeps each option's ``min_count``; ``t_max`` is the last t within budget.
    """

    name: str
    kind: Literal["fill", "scale"]
    configs: tuple[tuple[int, int, int], ...]
    order: tuple[int, ...] = ()
    template: tuple[int, ...] = ()
    t_max: int = 0

    def counts(self, space: RaidSpace, t: int) -> tuple[int, ...]:
        shapes = space.option_shapes()
        lo = [s[0] for s in shapes]
        hi = [s[1] for s in shapes]
        out = list(lo)
        if self.kind == "fill":
            left = t
            for i in self.order:
                take = min(hi[i], left)
                out[i] = max(lo[i], take)
                left -= take
        else:
            total = sum(self.template)
            for i, c in enumerate(self.template):
                if c > 0:
                    out[i] = max(lo[i], min(hi[i], math.floor(t * c / total + 0.5)))
        return tuple(out)

    def raid(self, space: RaidSpace, t: int) -> RaidChoice:
        genes = tuple(
            (c, *cfg) if c > 0 else (0, 0, 0, 0)
            for c, cfg in zip(self.counts(space, t), self.configs, strict=True)
        )
        return RaidChoice(genes=genes)

    def upper(self, space: RaidSpace) -> int:
        """The largest t that still changes the raid (all counts at their maxima)."""
        hi = [s[1] for s in space.option_shapes()]
        if self.kind == "fill":
            return sum(hi[i] for i in self.order)
        total = sum(self.template)
        return max(
            math.ceil(total * (h + 0.5) / c) for h, c in zip(hi, self.template, strict=True) if c
        )

    def with_t_max(self, space: RaidSpace) -> RaidLine:
        lo, hi = 0, self.upper(space)
        if space.within_budget(self.raid(space, hi)):
            lo = hi
        while hi - lo > 1:  # cost never falls along the line
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if space.within_budget(self.raid(space, mid)) else (lo, mid)
        return RaidLine(
            name=self.name, kind=self.kind, configs=self.configs, order=self.order,
            template=self.template, t_max=lo,
        )  # fmt: skip

    def first_t_with_lethal(self, space: RaidSpace, n: int) -> int:
        """The smallest t whose raid has at least ``n`` lethal rounds (t_max if none)."""
        lethal = _lethal_flags(space)

        def count(t: int) -> int:
            return sum(c for c, ok in zip(self.counts(space, t), lethal, strict=True) if ok)

        lo, hi = 0, self.t_max
        if count(hi) < n:
            return hi
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if count(mid) < n else (lo, mid)
        return lo


def _front(records: list[SearchRecord]) -> list[SearchRecord]:
    """The screening raids no other raid beats on both P (higher) and cost (lower)."""
    ordered = sorted(records, key=lambda r: (r.cost_usd, -r.value, r.choice.key()))
    out: list[SearchRecord] = []
    best = -math.inf
    for r in ordered:
        if r.value > best:
            out.append(r)
            best = r.value
    return out


def _lines(
    space: RaidSpace, front: list[SearchRecord], templates: list[SearchRecord]
) -> list[RaidLine]:
    """The fill line (cheapest lethal rounds first, each option aimed as in the front's
    most probable raid that uses it) and a scale line through each template."""
    lethal = _lethal_flags(space)
    by_p = sorted(front, key=lambda r: (-r.value, r.cost_usd, r.choice.key()))
    configs = []
    for i in range(space.n_options):
        cfg = next(((g[1], g[2], g[3]) for r in by_p if (g := r.choice.genes[i])[0] > 0), None)
        configs.append(cfg if cfg is not None else (0, 0, 0))
    order = tuple(
        sorted((i for i in range(space.n_options) if lethal[i]),
               key=lambda i: (space.unit_cost_usd[i], i))
    )  # fmt: skip
    lines = [RaidLine(name="cheapest-first", kind="fill", configs=tuple(configs), order=order)]
    for r in templates:
        lines.append(
            RaidLine(
                name=f"scaled {r.choice.key()}",
                kind="scale",
                configs=tuple((g[1], g[2], g[3]) for g in r.choice.genes),
                template=r.choice.counts,
            )
        )
    return [ln.with_t_max(space) for ln in lines if any(ln.order) or any(ln.template)]


def line_search(
    line: RaidLine, space: RaidSpace, passes: Callable[[RaidChoice], bool], start: int
) -> int | None:
    """Smallest t on ``line`` whose raid passes, by galloping from ``start`` and bisection
    (exact when passing is monotone along the line); None when even t_max fails."""
    t0 = min(max(start, 0), line.t_max)

    def ok(t: int) -> bool:
        raid = line.raid(space, t)
        return not raid.empty and passes(raid)

    if ok(t0):
        hi, step, lo = t0, 1, -1
        while lo < 0:
            t = hi - step
            if t <= 0:
                lo = 0
            elif ok(t):
                hi, step = t, 2 * step
            else:
                lo = t
        if lo == 0 and ok(0):
            return 0
    else:
        lo, step = t0, 1
        while True:
            t = min(lo + step, line.t_max)
            if t == lo:
                return None
            if ok(t):
                hi = t
                break
            lo, step = t, 2 * step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _one_round_less(space: RaidSpace, choice: RaidChoice) -> list[RaidChoice]:
    """Every raid one round cheaper (one option one round fewer), dearest round first."""
    shapes = space.option_shapes()
    out = []
    for i in sorted(range(space.n_options), key=lambda i: (-space.unit_cost_usd[i], i)):
        c, a, w, m = choice.genes[i]
        if c > shapes[i][0]:
            genes = list(choice.genes)
            genes[i] = (c - 1, a, w, m) if c > 1 else (0, 0, 0, 0)
            cand = RaidChoice(genes=tuple(genes))
            if not cand.empty:
                out.append(cand)
    return out


# --- local descent ---------------------------------------------------------------------------

#: Default cap on the fresh-block evaluations of one descent.
DESCENT_EVALUATIONS = 400


@dataclass(frozen=True, kw_only=True)
class Descent:
    """Where a descent started and ended, and what it did on the way."""

    start: RaidChoice
    end: RaidChoice
    start_cost_usd: float
    end_cost_usd: float
    end_p: float
    moves: dict[str, int]
    evaluations: int
    local_minimum: bool  # False: stopped at the evaluation cap

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_key": self.start.key(),
            "end_key": self.end.key(),
            "start_cost_usd": self.start_cost_usd,
            "end_cost_usd": self.end_cost_usd,
            "end_p_at_least_k": self.end_p,
            "moves": dict(self.moves),
            "evaluations": self.evaluations,
            "local_minimum": self.local_minimum,
        }


def _with_gene(
    space: RaidSpace, choice: RaidChoice, i: int, count: int, cfg: tuple[int, int, int]
) -> RaidChoice:
    genes = list(choice.genes)
    genes[i] = (count, *cfg) if count > 0 else (0, 0, 0, 0)
    return space.canonical(RaidChoice(genes=tuple(genes)))


def _config_neighbours(space: RaidSpace, choice: RaidChoice) -> list[RaidChoice]:
    """Every raid that differs from ``choice`` in one option's area, window or aim."""
    out = []
    for i, (c, a, w, m) in enumerate(choice.genes):
        if c == 0:
            continue
        _lo, _hi, na, nw, nm = space.option_shapes()[i]
        alts = [(x, w, m) for x in range(na) if x != a]
        alts += [(a, x, m) for x in range(nw) if x != w]
        alts += [(a, w, x) for x in range(nm) if x != m]
        out += [_with_gene(space, choice, i, c, cfg) for cfg in alts]
    return out


def descend(
    space: RaidSpace,
    start: RaidChoice,
    prob: Callable[[RaidChoice], float],
    p: float,
    configs: tuple[tuple[int, int, int], ...],
    *,
    max_evaluations: int = DESCENT_EVALUATIONS,
) -> Descent:
    """Local descent from the passing raid ``start`` to a cheaper passing raid.

    ``prob`` gives a raid's P(>= K) on the search block (the same block for every raid);
    a raid passes when it is >= ``p``. Moves, in this order, the first passing one taken:

    * **drop**: fewer rounds of one option (dearest option first; galloping down, then
      bisection, for the fewest rounds that still pass);
    * **swap**: one round of an option for the most rounds of a cheaper option that
      still cost less (largest saving first); an option not in the raid enters with its
      ``configs`` entry (area, window, aim);
    * **config**: one option's launch area, window or aim changed, the change raising P
      most (strictly); then drops and swaps again.

    Cost falls with every drop and swap and P rises with every config move at equal cost,
    so the descent ends: at a local minimum (no move passes), or after ``max_evaluations``
    calls of ``prob``.
    """
    shapes = space.option_shapes()
    lo = [s[0] for s in shapes]
    hi = [s[1] for s in shapes]
    unit = space.unit_cost_usd
    calls = 0
    seen: dict[str, float] = {}

    def pr(choice: RaidChoice) -> float:
        nonlocal calls
        key = choice.key()
        if key not in seen:
            calls += 1
            seen[key] = -1.0 if choice.empty else prob(choice)
        return seen[key]

    def ok(choice: RaidChoice) -> bool:
        return not choice.empty and pr(choice) >= p

    def capped() -> bool:
        return calls >= max_evaluations

    cur = space.canonical(start)
    if not ok(cur):
        raise ValueError(f"the descent must start from a passing raid, got {cur.key()}")
    moves = {"drop": 0, "swap": 0, "config": 0}
    local_minimum = False
    while not capped():
        # drops: the fewest rounds of one option that still pass
        dropped = False
        for i in sorted(range(space.n_options), key=lambda i: (-unit[i], i)):
            c, a, w, m = cur.genes[i]
            if c <= lo[i] or capped():
                continue
            cfg = (a, w, m)
            if not ok(_with_gene(space, cur, i, c - 1, cfg)):
                continue
            good, step, bad = c - 1, 1, lo[i] - 1  # good passes; bad fails (or is below)
            while not capped():
                t = max(good - step, lo[i])
                if t == good:
                    break
                if ok(_with_gene(space, cur, i, t, cfg)):
                    good, step = t, 2 * step
                else:
                    bad = t
                    break
            while good - bad > 1 and not capped():
                mid = (good + bad) // 2
                good, bad = (mid, bad) if ok(_with_gene(space, cur, i, mid, cfg)) else (good, mid)
            cur = _with_gene(space, cur, i, good, cfg)
            moves["drop"] += 1
            dropped = True
        if dropped or capped():
            continue
        # swaps: one round of i for the most rounds of a cheaper j that cost less
        swaps: list[tuple[float, int, int, RaidChoice]] = []
        for i, gi in enumerate(cur.genes):
            if gi[0] <= lo[i]:
                continue
            for j, gj in enumerate(cur.genes):
                if j == i or unit[j] >= unit[i] or gj[0] >= hi[j]:
                    continue
                add = min(hi[j] - gj[0], math.ceil(unit[i] / unit[j]) - 1)
                if add < 1:
                    continue
                cand = _with_gene(space, cur, i, gi[0] - 1, (gi[1], gi[2], gi[3]))
                cfg_j = (gj[1], gj[2], gj[3]) if gj[0] > 0 else configs[j]
                cand = _with_gene(space, cand, j, gj[0] + add, cfg_j)
                if space.within_budget(cand):
                    swaps.append((unit[i] - add * unit[j], i, j, cand))
        swaps.sort(key=lambda x: (-x[0], x[1], x[2]))
        nxt = next((cand for *_, cand in swaps if not capped() and ok(cand)), None)
        if nxt is not None:
            cur = nxt
            moves["swap"] += 1
            continue
        if capped():
            break
        # config: the single area/window/aim change that raises P most
        here = pr(cur)
        best, best_p = None, here
        for cand in _config_neighbours(space, cur):
            if capped():
                break
            q = pr(cand)
            if q > best_p:
                best, best_p = cand, q
        if best is None:
            local_minimum = not capped()
            break
        cur = best
        moves["config"] += 1
    return Descent(
        start=space.canonical(start),
        end=cur,
        start_cost_usd=space.cost_usd(start),
        end_cost_usd=space.cost_usd(cur),
        end_p=pr(cur),
        moves=moves,
        evaluations=calls,
        local_minimum=local_minimum,
    )


# --- the result -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheapestResult:
    """The cheapest raid found, its evidence, and the closed-form answer beside it."""

    scenario: str
    arsenal: str
    k: int
    p: float
    settings: SearchSettings
    found: bool
    choice: RaidChoice | None
    final: Evaluation | None
    raid: tuple[dict[str, Any], ...]
    scenario_yaml: str | None
    verified: tuple[tuple[str, float, float, bool], ...]  # key, cost, fresh P, passes
    closed_form: ClosedFormRestore
    gap: tuple[str, ...]
    log: SearchLog
    lines: tuple[dict[str, Any], ...] = ()
    descents: tuple[Descent, ...] = ()
    structure_log: SearchLog | None = None  # the optimiser's search (expected leakers)
    below: Evaluation | None = None  # the best one-round-cheaper raid (search block)
    confirm: Evaluation | None = None  # the answer on the independent block
    confirm_below: Evaluation | None = None

    @property
    def evaluations(self) -> int:
        """Raids simulated on the screening block (front and optimiser searches)."""
        extra = 0 if self.structure_log is None else len(self.structure_log.records)
        return len(self.log.records) + extra

    @property
    def confirmed(self) -> bool:
        return self.confirm is not None and self.confirm.mean >= self.p

    def to_dict(self) -> dict[str, Any]:
        def block(ev: Evaluation | None) -> dict[str, Any] | None:
            if ev is None:
                return None
            return {
                "raid_key": ev.choice.key(),
                "first_replication": ev.first,
                "p_at_least_k": ev.mean,
                **ev.summary(),
            }

        return {
            "scenario": self.scenario,
            "arsenal": self.arsenal,
            "requirement": {"k": self.k, "p": self.p},
            "seed": self.settings.seed,
            "replications": self.settings.replications,
            "final_replications": self.settings.final_replications,
            "evaluations": self.evaluations,
            "fresh_evaluations": len(self.verified),
            "study_name": self.log.study_name,
            "found": self.found,
            "cheapest": None
            if self.final is None or self.choice is None
            else {
                "raid": list(self.raid),
                "raid_key": self.choice.key(),
                "p_at_least_k": self.final.mean,
                **self.final.summary(),
            },
            "just_below": block(self.below),
            "confirmation": None
            if self.confirm is None
            else {
                "answer": block(self.confirm),
                "just_below": block(self.confirm_below),
                "confirmed": self.confirmed,
            },
            "line_searches": list(self.lines),
            "descents": [d.to_dict() for d in self.descents],
            "verified": [
                {"raid_key": key, "cost_usd": c, "p_at_least_k": pk, "passes": ok}
                for key, c, pk, ok in self.verified
            ],
            "closed_form": self.closed_form.to_dict(),
            "gap": list(self.gap),
        }


def _m(usd: float) -> str:
    return f"{usd / 1e6:,.1f} M USD"


def _reload_s(space: RaidSpace) -> float:
    times = [ln.reload_time_s for b in space.scenario.batteries for ln in b.launchers]
    return min(times) if times else math.nan


def explain_gap(
    cf: ClosedFormRestore,
    ev: Evaluation | None,
    space: RaidSpace,
    lines_run: tuple[dict[str, Any], ...] = (),
) -> tuple[str, ...]:
    """Why the engine's cheapest raid and the closed form's differ, from measured figures.

    The cost ratio engine / closed form is split exactly into three factors: lethal rounds
    (engine / closed form), price per lethal round (engine's mean / the cheapest), and all
    spend over lethal spend (decoys and other non-lethal rounds).
    """
    if ev is None:
        return (
            "no raid within the arsenal met the requirement, so the engine gives no answer "
            f"to set beside the closed form's {cf.missiles} missiles",
        )
    lethal = _lethal_flags(space)
    spend = [c * u for c, u in zip(ev.choice.counts, space.unit_cost_usd, strict=True)]
    lethal_usd = sum(s for s, ok in zip(spend, lethal, strict=True) if ok)
    n_e = ev.lethal_threats
    names = ", ".join(cf.cheapest_options)
    lines = [
        f"closed form: {cf.missiles} missiles x {_m(cf.unit_cost_usd)} ({names}, the "
        f"arsenal's cheapest lethal round) = {_m(cf.cost_usd)}; engine: {n_e} lethal rounds "
        f"({_m(lethal_usd)}) + {ev.threats - n_e} non-lethal ({_m(ev.cost_usd - lethal_usd)})"
        f" = {_m(ev.cost_usd)}"
    ]
    if cf.missiles > 0 and n_e > 0 and cf.cost_usd > 0:
        a = n_e / cf.missiles
        b = (lethal_usd / n_e) / cf.unit_cost_usd
        c = ev.cost_usd / lethal_usd if lethal_usd > 0 else math.nan
        lines.append(
            f"cost ratio engine / closed form {ev.cost_usd / cf.cost_usd:.2f} = lethal rounds "
            f"{a:.2f} x price per lethal round {b:.2f} x all spend / lethal spend {c:.2f}"
        )
    # The count factor: what the defence did against the engine's raid.
    loaded = sum(
        ln.count * item.rounds
        for bt in space.scenario.batteries
        for ln in bt.launchers
        for item in ln.loadout
    )
    cf_kills = min(n_e, cf.covered) * cf.p_kill
    fired = ev.interceptors_fired
    lines.append(
        f"rounds: the closed form engages {cf.covered} warheads with all {cf.interceptors} "
        f"rounds ({cf.shots_per_threat} each, Pk {cf.p_kill:.3f}), so it expects "
        f"{cf_kills:.1f} kills of {n_e} lethal rounds; the simulated defence fired "
        f"{fired:.1f} rounds ({fired / max(cf.interceptors, 1):.0%} of the inventory, of "
        f"which {loaded} are loaded at the start) and killed {ev.lethal_killed:.1f}"
    )
    if fired > 0:
        lines.append(
            f"kills per round fired: engine {ev.lethal_killed / fired:.3f}, closed form "
            f"{cf.p_kill / cf.shots_per_threat:.3f} (Pk / shots per warhead; its best SSPK "
            f"{cf.sspk:.3f} is the single best interceptor-threat pair)"
        )
    d = space.scenario.doctrine
    if ev.lethal_killed > cf_kills + 1e-9:
        lines.append(
            f"so the engine needs more lethal rounds than the closed form's count would "
            f"suggest: its defence kills {ev.lethal_killed:.1f} where the closed form credits "
            f"{cf_kills:.1f}, because the closed form commits all {cf.shots_per_threat} shots "
            f"to each of {cf.covered} warheads and lets the rest through, while the engine "
            f"fires salvos of {d.salvo_size}"
            + (" and looks before engaging again" if d.shoot_look_shoot else "")
            + f" (at most {d.max_engagements_per_threat} engagements per threat), so its "
            "rounds reach more threats"
        )
    else:
        lines.append(
            f"so the engine needs fewer lethal rounds: its defence kills "
            f"{ev.lethal_killed:.1f} where the closed form credits {cf_kills:.1f}, having "
            f"fired {fired:.1f} of the {cf.interceptors} rounds the closed form commits"
            + (
                f" -- no more than the {loaded} loaded at the start: reloads (at least "
                f"{_reload_s(space):.0f} s) come too late for this raid"
                if fired <= loaded + 0.5 and loaded < cf.interceptors
                else " (range, timing and the per-threat cap keep rounds out of the fight)"
            )
        )
    used = {cf_name: 0 for cf_name in cf.cheapest_options}
    for o, cnt in zip(space.arsenal.threats, ev.choice.counts, strict=True):
        if o.name in used:
            used[o.name] = cnt
    n_cheap = sum(used.values())
    if cf.missiles > cf.cheapest_available:
        lines.append(
            f"price: the arsenal offers only {cf.cheapest_available} rounds of the cheapest "
            f"lethal type, so the closed form's {cf.missiles} at {_m(cf.unit_cost_usd)} "
            "cannot be bought"
        )
    if n_e > n_cheap and n_e > 0:
        if n_cheap >= cf.cheapest_available:
            why = (
                f"all {cf.cheapest_available} rounds of the cheapest type are in it, the "
                f"other {n_e - n_cheap} lethal rounds must be dearer types"
            )
        else:
            fill = next((r for r in lines_run if r.get("line") == "cheapest-first"), None)
            alt = (
                "never meets the requirement within the budget"
                if fill is None or fill.get("t") is None
                else f"needs {_m(float(fill['cost_usd']))}"
            )
            why = (
                f"it fires {n_e - n_cheap} dearer lethal rounds while "
                f"{cf.cheapest_available - n_cheap} of the cheapest were left: the "
                f"cheapest-first raid {alt} on the same replications"
            )
        lines.append("price per lethal round above the cheapest: " + why)
    if ev.cost_usd > lethal_usd + 1e-6:
        lines.append(
            f"non-lethal spend {_m(ev.cost_usd - lethal_usd)}: each of those rounds earns its "
            "place (the raid without any one of them fails the requirement)"
        )
    return tuple(lines)


def check_requirement(k: int, p: float, descent_evaluations: int = DESCENT_EVALUATIONS) -> None:
    """The requirement and the descent cap are valid (one-line errors naming the option)."""
    Objective(kind="p_k", k=k)
    if not 0.0 < p < 1.0:
        raise InputError(f"must be strictly between 0 and 1, got {p:g}", field="--p")
    if not 0 <= descent_evaluations <= 10_000_000:
        raise InputError(
            f"must be between 0 and 10,000,000, got {descent_evaluations}",
            field="--descent-evaluations",
        )


def cheapest_raid(
    scenario: Scenario,
    arsenal: Arsenal,
    *,
    k: int,
    p: float,
    settings: SearchSettings | None = None,
    progress: Progress | None = None,
    descent_evaluations: int = DESCENT_EVALUATIONS,
) -> CheapestResult:
    """The cheapest raid of the arsenal with P(>= k lethal leakers) >= p (module docstring)."""
    check_requirement(k, p, descent_evaluations)
    settings = SearchSettings() if settings is None else settings
    objective = Objective(kind="p_k", k=k)
    space = RaidSpace(scenario, arsenal)
    evaluator = Evaluator(space=space, objective=objective, seed=settings.seed)
    log = search_raids(evaluator, settings, with_cost=True, progress=progress, tag=f"cheapest-k{k}")
    # The optimiser's best raids (expected leakers within the budget): their structure --
    # areas, windows, aims and mix -- is where the descent starts.
    structure = Evaluator(space=space, objective=Objective(kind="leakers"), seed=settings.seed)
    offset = settings.evaluations

    def progress2(done: int, total: int, best: float) -> None:
        if progress is not None:
            progress(offset + done, offset + total, best)

    slog = search_raids(structure, settings, progress=progress2, tag="cheapest-structure")
    n, big_n = settings.replications, settings.final_replications
    cf = closed_form_restore(scenario, space, k, p)

    verified: list[tuple[str, float, float, bool]] = []
    seen: set[str] = set()

    def fresh(choice: RaidChoice) -> Evaluation:
        ev = evaluator.evaluate(choice, first=n, count=big_n)
        key = ev.choice.key()
        if key not in seen:
            seen.add(key)
            verified.append((key, ev.cost_usd, ev.mean, ev.mean >= p))
        return ev

    def passes(choice: RaidChoice) -> bool:
        return fresh(choice).mean >= p

    front = _front(log.records)
    margin = 2.0 * math.sqrt(p * (1.0 - p) / n)
    near = [r for r in front if r.value >= p - margin]
    leaders = sorted(slog.records, key=lambda r: (-r.value, r.cost_usd, r.choice.key()))
    leaders = leaders[: max(settings.leaders, 1)]
    lines = _lines(space, front, near[: max(settings.leaders, 1)])
    structure_lines = [
        RaidLine(
            name=f"optimiser {r.choice.key()}",
            kind="scale",
            configs=tuple((g[1], g[2], g[3]) for g in r.choice.genes),
            template=r.choice.counts,
        ).with_t_max(space)
        for r in leaders
    ]
    answers: list[tuple[float, float, str, RaidChoice]] = []
    structure_answers: list[tuple[float, float, str, RaidChoice]] = []
    line_rows: list[dict[str, Any]] = []
    names: set[str] = set()
    for line in lines + structure_lines:
        if line.name in names:
            continue
        names.add(line.name)
        start = line.first_t_with_lethal(space, cf.missiles)
        t = line_search(line, space, passes, start)
        row: dict[str, Any] = {"line": line.name, "t_max": line.t_max, "start": start, "t": t}
        if t is not None:
            ch = space.canonical(line.raid(space, t))
            ev = fresh(ch)
            item = (ev.cost_usd, -ev.mean, ch.key(), ch)
            (structure_answers if line.name.startswith("optimiser") else answers).append(item)
            row.update(raid_key=ch.key(), cost_usd=ev.cost_usd, p_at_least_k=ev.mean)
        line_rows.append(row)

    # Entry configurations for options a swap brings in: the optimiser's best raid's.
    configs = [(0, 0, 0)] * space.n_options
    for r in reversed(leaders):
        for i, g in enumerate(r.choice.genes):
            if g[0] > 0:
                configs[i] = (g[1], g[2], g[3])
    starts: list[RaidChoice] = []
    for group in (answers, structure_answers):
        if group:
            top = min(group, key=lambda x: (x[0], x[1], x[2]))[3]
            if top not in starts:
                starts.append(top)
    descents = [
        descend(
            space,
            s0,
            lambda c: fresh(c).mean,
            p,
            tuple(configs),
            max_evaluations=descent_evaluations,
        )
        for s0 in starts
    ]

    best: Evaluation | None = None
    below: Evaluation | None = None
    if descents:
        ends = [fresh(d.end) for d in descents]
        best = min(ends, key=lambda e: (e.cost_usd, -e.mean, e.choice.key()))
        lower = [fresh(c) for c in _one_round_less(space, best.choice)]
        below = max(lower, key=lambda e: (e.mean, -e.cost_usd)) if lower else None
    confirm = confirm_below = None
    if best is not None:
        first = n + big_n
        confirm = evaluator.evaluate(best.choice, first=first, count=big_n)
        if below is not None:
            confirm_below = evaluator.evaluate(below.choice, first=first, count=big_n)
    return CheapestResult(
        scenario=scenario.name,
        arsenal=arsenal.name,
        k=k,
        p=p,
        settings=settings,
        found=best is not None,
        choice=None if best is None else best.choice,
        final=best,
        raid=() if best is None else tuple(space.describe(best.choice)),
        scenario_yaml=None if best is None else space.scenario_yaml(best.choice),
        verified=tuple(verified),
        closed_form=cf,
        gap=explain_gap(cf, best, space, tuple(line_rows)),
        log=log,
        lines=tuple(line_rows),
        descents=tuple(descents),
        structure_log=slog,
        below=below,
        confirm=confirm,
        confirm_below=confirm_below,
    )
