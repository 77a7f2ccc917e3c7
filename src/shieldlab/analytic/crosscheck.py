"""Closed forms that match or bound a scenario's Monte Carlo, and the comparison of the two.

:func:`closed_form_for` reads a :class:`~shieldlab.scenario.model.Scenario` -- threats,
interceptor SSPK x reliability, inventory, doctrine -- and gives two closed forms
(Wilkening 1999, Science & Global Security 8; formulas in ``docs/analytic.md``):

- **nominal**: the issue's engagement arithmetic. Every threat gets n = salvo x max
  engagements shots (shoot-look-shoot: up to that many stages) of the best interceptor,
  with certain detection; a finite inventory I engages floor(I/n) threats, the rest leak.
  It is *exact* for the engine when the engine really did that in every replication
  (every threat engaged, every planned round fired, one kill probability, no decoys).
- **best case**: an upper bound on what any doctrine with at most n shots per threat
  (per C2 node) can achieve with the same rounds: the rounds spread as evenly as possible
  over the lethal threats (the kill probability 1-(1-p)^k is concave in k, so an even
  spread maximises expected kills and, log-concave, also P(no leaker)), certain detection,
  unlimited channels and time; with shoot-look-shoot, the best doctrine that looks after
  every shot (:func:`_adaptive_best_kill`), since looking lets saved rounds go elsewhere.
  The engine can only do worse: its leakers are at least, its kills and P(no leaker) at
  most, these values.

:func:`compare` puts a Monte Carlo summary beside them and says, row by row, whether they
agree: inside the Monte Carlo interval where the closed form is exact, on the right side
of it where the closed form is a bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shieldlab.core import engagement as eg
from shieldlab.montecarlo import Metric, Results
from shieldlab.scenario.model import Scenario


@dataclass(frozen=True, kw_only=True)
class ClosedForm:
    """Closed-form engagement arithmetic for one scenario (see the module docstring)."""

    n_threats: int
    n_lethal: int
    p_shot: float
    """Kill probability of one interceptor: best SSPK x reliability over the types."""
    p_shot_values: tuple[float, ...]
    """Distinct kill probabilities of the (threat class, interceptor type) pairs in play."""
    shots_per_threat: int
    """n = salvo_size x max_engagements_per_threat (the cap per threat and C2 node)."""
    shoot_look_shoot: bool
    salvo_size: int
    inventory: int
    """All rounds: launchers x rounds x (1 + reloads), over batteries and types."""
    c2_nodes: int
    """1 when centralised, else one per battery (each may engage the same threat)."""
    layers: tuple[tuple[str, float], ...]
    """(layer name, best per-shot kill probability in that layer), outermost first."""
    # nominal (exact when the engine follows it)
    threats_engaged: float
    p_kill_per_threat: float
    expected_leakers: float
    p_zero_leakers: float
    expected_shots: float
    # best case (a bound in every scenario)
    bound_expected_leakers: float
    bound_p_zero_leakers: float
    bound_p_kill_per_threat: float


def _inventory(sc: Scenario) -> dict[str, int]:
    rounds: dict[str, int] = {}
    for bat in sc.batteries:
        for lau in bat.launchers:
            for item in lau.loadout:
                rounds[item.interceptor] = rounds.get(item.interceptor, 0) + (
                    lau.count * item.rounds * (1 + lau.reloads)
                )
    return rounds


def _even_split_kill(rounds: float, n_targets: int, cap: int, p: float) -> tuple[float, float]:
    """(expected kills, P(all killed)) when ``rounds`` single shots of kill probability p
    are spread as evenly as possible over n targets, at most ``cap`` each."""
    if n_targets == 0:
        return 0.0, 1.0
    usable = int(min(rounds, n_targets * cap))
    base, extra = divmod(usable, n_targets)
    k_hi = min(base + 1, cap)
    pk_lo = 1.0 - (1.0 - p) ** base
    pk_hi = 1.0 - (1.0 - p) ** k_hi
    kills = (n_targets - extra) * pk_lo + extra * pk_hi
    p_all = pk_lo ** (n_targets - extra) * pk_hi**extra
    return kills, p_all


def _adaptive_best_kill(rounds: int, n_targets: int, cap: int, p: float) -> tuple[float, float]:
    """(expected kills, P(all killed)) of the best doctrine that looks after every shot.

    Give each target its own sequence of independent shots; G_i, the index of its first
    hit, is geometric(p). A doctrine that looks before re-engaging never shoots a dead
    target, so it fires min(G_i, cap) at target i until the rounds run out, whatever the
    order. Hence, for every such doctrine, expected kills = p E[min(R, sum_i min(G_i, cap))]
    (each shot at a live target kills with p) and P(all killed) <= P(G_i <= cap for all i,
    sum_i G_i <= R), with equality for shooting each target until it dies. Both come from
    the distribution of the sum, by N convolutions truncated at R.
    """
    if n_targets == 0:
        return 0.0, 1.0
    if p <= 0.0 or cap <= 0 or rounds <= 0:
        return 0.0, 0.0
    shots = np.arange(cap + 1)
    hit = np.where(shots >= 1, p * (1.0 - p) ** np.maximum(shots - 1, 0), 0.0)  # P(G = k)
    used = hit.copy()
    used[cap] += (1.0 - p) ** cap  # no hit in cap shots: cap rounds spent, target lives
    all_hit = np.array([1.0])
    spent = np.array([1.0])
    for _ in range(n_targets):
        all_hit = np.convolve(all_hit, hit)[: rounds + 1]
        spent = np.convolve(spent, used)
        # Mass beyond R stays beyond R: lump it at R, which is all min(R, .) needs.
        spent = np.concatenate([spent[:rounds], [spent[rounds:].sum()]])
    kills = p * float(np.dot(np.arange(spent.size), spent))
    return kills, float(all_hit.sum())


def closed_form_for(scenario: Scenario) -> ClosedForm:
    """The nominal and best-case closed forms of a scenario's engagement arithmetic."""
    sc = scenario
    d = sc.doctrine
    n_per = int(d.salvo_size * d.max_engagements_per_threat)
    c2_nodes = 1 if d.c2_mode == "centralised" else len(sc.batteries)
    inv = _inventory(sc)
    total_rounds = int(sum(inv.values()))
    types = [it for it in sc.interceptor_types if inv.get(it.name, 0) > 0]

    threat_classes: list[str] = []
    lethal: list[bool] = []
    for wave in sc.raid.waves:
        tt = sc.threat_types[sc.threat_type_index(wave.threat)]
        threat_classes += [tt.threat_class] * wave.count
        lethal += [tt.lethal] * wave.count
    n_threats = len(lethal)
    n_lethal = int(sum(lethal))
    lethal_classes = sorted({c for c, le in zip(threat_classes, lethal, strict=True) if le})
    p_values = sorted(
        {it.sspk_for(c) * it.reliability for it in types for c in lethal_classes}  # type: ignore[arg-type]
    )
    p_best = max(p_values) if p_values else 0.0

    # Nominal: each engaged threat gets n shots (SLS: up to n in stages of one salvo).
    pk = float(eg.p_kill_per_threat(p_best, n_per))
    if d.shoot_look_shoot:
        p_salvo = 1.0 - (1.0 - p_best) ** d.salvo_size
        _, stages_shots = eg.shoot_look_shoot(p_salvo, d.max_engagements_per_threat)
        shots_each = float(stages_shots) * d.salvo_size
    else:
        shots_each = float(n_per)
    engaged = float(min(n_threats, total_rounds // n_per)) if n_per and types else 0.0
    # With decoys the nominal form engages lethal threats and decoys alike, in proportion.
    frac = engaged / n_threats if n_threats else 1.0
    exp_leak = n_lethal * (1.0 - frac * pk)
    p0 = pk**n_lethal if frac >= 1.0 else (1.0 if n_lethal == 0 else 0.0)

    # Best case: every round spent on lethal threats, evenly, the best p, per-threat cap
    # n per C2 node.
    kills, p_all = _even_split_kill(total_rounds, n_lethal, n_per * c2_nodes, p_best)
    if d.shoot_look_shoot and d.max_engagements_per_threat > 1:
        # A doctrine that looks can move the rounds an early kill saves to another threat
        # and beat every fixed spread (2 threats, 3 rounds, p = 0.5: one shot each, then
        # the third at a survivor, kills 1.375 on average against 1.25 for the best
        # fixed spread), so its best case is the best adaptive doctrine.
        kills, p_all = _adaptive_best_kill(total_rounds, n_lethal, n_per * c2_nodes, p_best)

    layer_best: dict[str, tuple[float, float]] = {}
    for it in types:
        p = max((it.sspk_for(c) * it.reliability for c in lethal_classes), default=0.0)  # type: ignore[arg-type]
        prev = layer_best.get(it.layer)
        if prev is None or p > prev[1]:
            layer_best[it.layer] = (max(it.max_range_m, prev[0] if prev else 0.0), p)
    layers = tuple(
        (name, p) for name, (_, p) in sorted(layer_best.items(), key=lambda kv: -kv[1][0])
    )
    return ClosedForm(
        n_threats=n_threats,
        n_lethal=n_lethal,
        p_shot=p_best,
        p_shot_values=tuple(p_values),
        shots_per_threat=n_per,
        shoot_look_shoot=d.shoot_look_shoot,
        salvo_size=d.salvo_size,
        inventory=total_rounds,
        c2_nodes=c2_nodes,
        layers=layers,
        threats_engaged=engaged,
        p_kill_per_threat=frac * pk,
        expected_leakers=exp_leak,
        p_zero_leakers=p0,
        expected_shots=engaged * shots_each,
        bound_expected_leakers=n_lethal - kills,
        bound_p_zero_leakers=p_all,
        bound_p_kill_per_threat=kills / n_lethal if n_lethal else 1.0,
    )


CONFIDENCE = 0.99
"""Agreement is judged on 99 % Monte Carlo intervals (each row errs by chance 1 % of the
time where the closed form is exact)."""


@dataclass(frozen=True, kw_only=True)
class CheckRow:
    """One quantity: closed form beside the Monte Carlo mean and its 99 % interval.

    ``quantity``: ``p_kill_per_threat`` (lethal threats), ``expected_leakers``,
    ``p_zero_leakers``, ``interceptors_fired``, and with several layers
    ``kills_by_layer.<layer>`` and ``p_leak_per_threat_independent_layers``.
    ``relation``: ``"equal"`` (exact closed form: it should lie inside the interval),
    ``"engine <= closed"`` / ``"engine >= closed"`` (a bound: the interval should reach
    the bound's side), or ``"reference"`` (shown, not judged: ``agree`` is None).
    """

    quantity: str
    closed_form: float
    mc_mean: float
    mc_interval: tuple[float, float]
    relation: str
    agree: bool | None


@dataclass(frozen=True, kw_only=True)
class DoctrineRun:
    """A reference doctrine run beside the scenario's own on the same replications.

    ``leakers`` is its mean, ``ratio`` that mean over the closed form's leakers (nan when
    the closed form has none), ``difference`` the paired mean of (reference - scenario's
    doctrine) leakers with its 99 % Student t interval, and ``loss``: the scenario's
    doctrine leaks significantly more than this one (the interval lies below 0).
    """

    doctrine: str
    leakers: float
    ratio: float
    difference: float
    interval: tuple[float, float]

    @property
    def loss(self) -> bool:
        return self.interval[1] < 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "doctrine": self.doctrine,
            "leakers": self.leakers,
            "ratio_to_closed_form": None if np.isnan(self.ratio) else self.ratio,
            "paired_difference": {"mean": self.difference, "interval": list(self.interval)},
            "doctrine_loss": self.loss,
        }


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """The outcome of :func:`compare`."""

    scenario: str
    replications: int
    seed: int
    exact: bool
    """True when the nominal closed form is exact for this run; False: it is a bound."""
    why: tuple[str, ...]
    """Why the closed form only bounds the engine (empty when exact)."""
    rows: tuple[CheckRow, ...]
    closed_form: ClosedForm
    doctrine: str = ""
    """The scenario's ``engagement_priority``."""
    references: tuple[DoctrineRun, ...] = ()
    """Other named doctrines on the same replications (:func:`check`; compiled path)."""

    @property
    def agree(self) -> bool:
        """Every judged row agrees."""
        return all(r.agree for r in self.rows if r.agree is not None)

    @property
    def leakers_ratio(self) -> float:
        """Engine leakers over the closed form's (exact or best-case) leakers; nan if 0."""
        row = next((r for r in self.rows if r.quantity == "expected_leakers"), None)
        if row is None or row.closed_form <= 0.0:
            return float("nan")
        return row.mc_mean / row.closed_form

    @property
    def doctrine_losses(self) -> tuple[DoctrineRun, ...]:
        """Reference doctrines that leak significantly less than the scenario's."""
        return tuple(r for r in self.references if r.loss)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object of ``shieldlab check``."""
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": CONFIDENCE,
            "closed_form_is": "exact" if self.exact else "bound",
            "why_bound": list(self.why),
            "agree": self.agree,
            "doctrine": self.doctrine,
            "leakers_ratio_to_closed_form": (
                None if np.isnan(self.leakers_ratio) else self.leakers_ratio
            ),
            "references": [r.to_dict() for r in self.references],
            "rows": [
                {
                    "quantity": r.quantity,
                    "closed_form": r.closed_form,
                    "monte_carlo": {"mean": r.mc_mean, "interval": list(r.mc_interval)},
                    "relation": r.relation,
                    "agree": r.agree,
                }
                for r in self.rows
            ],
        }


def _interval_99(metric: Metric, *, scale: float = 1.0) -> tuple[float, float]:
    """A Monte Carlo metric's interval at 99 %, by the metric's own method (Wilson for
    proportions; for means the t interval on the log/logit scale, ``Metric.interval``)."""
    lo, hi = metric.interval(CONFIDENCE)
    return lo * scale, hi * scale


def _judge(relation: str, cf: float, lo: float, hi: float) -> bool | None:
    # A few ulps of slack: exact closed forms and constant Monte Carlo columns can differ
    # only by rounding (e.g. 2.5600000000000005 against 2.56).
    eps = 1e-9 * max(1.0, abs(cf))
    if relation == "equal":
        return lo - eps <= cf <= hi + eps
    if relation == "engine <= closed":
        return lo <= cf + eps
    if relation == "engine >= closed":
        return hi >= cf - eps
    return None


def _is_constant(metric: Metric) -> bool:
    return metric.is_constant


def _why_bound(cf: ClosedForm, res: Results) -> list[str]:
    """Conditions under which the nominal closed form is exact, and which ones fail."""
    why: list[str] = []
    if len(cf.p_shot_values) > 1:
        lo, hi = cf.p_shot_values[0], cf.p_shot_values[-1]
        why.append(
            f"{len(cf.p_shot_values)} kill probabilities per shot are in play ({lo:.3g} to "
            f"{hi:.3g}); the closed form gives every shot the best of them"
        )
    if cf.n_lethal < cf.n_threats:
        why.append(
            f"{cf.n_threats - cf.n_lethal} decoys: the engine may spend rounds on them, the "
            "closed form spends every round on lethal threats"
        )
    # Shoot-look-shoot with one engagement per threat is a plain salvo.
    sls = cf.shoot_look_shoot and cf.shots_per_threat > cf.salvo_size
    if sls:
        why.append(
            "shoot-look-shoot: the engine re-engages a survivor only while time and "
            "channels remain; the closed form assumes every stage happens"
        )
    eng = res.metrics["threats_engaged"]
    if not (_is_constant(eng) and abs(eng.mean - cf.threats_engaged) < 1e-9):
        why.append(
            f"the engine engaged {eng.mean:.2f} of {cf.n_threats} threats on average "
            f"(closed form: {cf.threats_engaged:g}) -- detection gaps, track or channel "
            "limits, or engagement windows"
        )
    fired = res.metrics["interceptors_fired"]
    if not sls and not (_is_constant(fired) and abs(fired.mean - cf.expected_shots) < 1e-9):
        why.append(
            f"the engine fired {fired.mean:.2f} interceptors on average against "
            f"{cf.expected_shots:g} planned -- partial salvos, channel limits or time"
        )
    return why


def compare(scenario: Scenario, results: Results) -> CheckReport:
    """Closed forms of ``scenario`` beside the Monte Carlo ``results`` of the same scenario.

    Where :func:`_why_bound` finds no reason against it, the nominal closed form is exact
    and must lie inside each 99 % interval; otherwise the best-case closed form bounds the
    engine and the interval must reach its side (leakers at least, kills and P(no leaker)
    at most the bound). Interceptors fired and, with several layers, the independent-layer
    model are shown for reference.
    """
    cf = closed_form_for(scenario)
    why = _why_bound(cf, results)
    exact = not why
    m = results.metrics
    n_l = max(cf.n_lethal, 1)
    rows: list[CheckRow] = []

    def add(quantity: str, value: float, metric: Metric, relation: str, scale: float = 1.0) -> None:
        lo, hi = _interval_99(metric, scale=scale)
        rows.append(
            CheckRow(
                quantity=quantity,
                closed_form=float(value),
                mc_mean=float(metric.mean * scale),
                mc_interval=(float(lo), float(hi)),
                relation=relation,
                agree=_judge(relation, float(value), lo, hi),
            )
        )

    if exact:
        add("p_kill_per_threat", cf.p_kill_per_threat, m["lethal_threats_killed"],
            "equal", 1.0 / n_l)  # fmt: skip
        add("expected_leakers", cf.expected_leakers, m["leakers"], "equal")
        add("p_zero_leakers", cf.p_zero_leakers, m["p_zero_leakers"], "equal")
        add("interceptors_fired", cf.expected_shots, m["interceptors_fired"], "equal")
    else:
        add("p_kill_per_threat", cf.bound_p_kill_per_threat,
            m["lethal_threats_killed"], "engine <= closed", 1.0 / n_l)  # fmt: skip
        add("expected_leakers", cf.bound_expected_leakers, m["leakers"],
            "engine >= closed")  # fmt: skip
        add("p_zero_leakers", cf.bound_p_zero_leakers, m["p_zero_leakers"],
            "engine <= closed")  # fmt: skip
        add("interceptors_fired", cf.expected_shots, m["interceptors_fired"], "reference")
    if len(cf.layers) > 1:
        # Independent layers, outermost first, each firing one salvo at what survives the
        # layers before it: kills_k = N prod_{j<k}(1 - Pk_j) Pk_k, Pk_j = 1-(1-p_j)^salvo.
        survive = float(cf.n_lethal)
        by_layer = results.by_type.get("kills_by_layer", {})
        for name, p in cf.layers:
            pk_layer = 1.0 - (1.0 - p) ** cf.salvo_size
            kills = survive * pk_layer
            survive -= kills
            if name in by_layer:
                add(f"kills_by_layer.{name}", kills, by_layer[name],
                    "reference")  # fmt: skip
        leak = float(eg.layered_leak([1.0 - (1.0 - p) ** cf.salvo_size for _, p in cf.layers]))
        add("p_leak_per_threat_independent_layers", leak, m["leakers"], "reference",
            1.0 / n_l)  # fmt: skip
    return CheckReport(
        scenario=results.scenario,
        replications=results.replications,
        seed=results.seed,
        exact=exact,
        why=tuple(why),
        rows=tuple(rows),
        closed_form=cf,
        doctrine=scenario.doctrine.engagement_priority,
    )


#: Doctrines run beside the scenario's own by :func:`check` (every named rule).
REFERENCE_DOCTRINES = ("layered", "time_to_impact", "asset_value")


def reference_runs(
    scenario: Scenario, *, replications: int, seed: int, closed_leakers: float
) -> tuple[DoctrineRun, ...]:
    """Every other named doctrine on the same replications as the scenario's own (common
    random numbers), with paired leaker differences; empty off the compiled path."""
    from scipy import stats

    from shieldlab.engine import compile_scenario, layout_of, run_replications

    if scenario.doctrine.assigner != "greedy":
        return ()

    def leakers(sc: Scenario) -> np.ndarray:
        cs = compile_scenario(sc)
        col = layout_of(cs).columns()["leakers"]
        return run_replications(cs, seed=seed, first=0, count=replications)[:, col]

    own = scenario.doctrine.engagement_priority
    base = leakers(scenario)
    t = float(stats.t.ppf(0.5 + CONFIDENCE / 2.0, max(replications - 1, 1)))
    out: list[DoctrineRun] = []
    for name in REFERENCE_DOCTRINES:
        if name == own:
            continue
        sc = scenario.replace(
            doctrine=scenario.doctrine.model_copy(update={"engagement_priority": name})
        )
        x = leakers(sc)
        d = x - base
        half = t * float(d.std(ddof=1)) / np.sqrt(d.size) if d.size > 1 else 0.0
        mean = float(x.mean())
        out.append(
            DoctrineRun(
                doctrine=name,
                leakers=mean,
                ratio=mean / closed_leakers if closed_leakers > 0.0 else float("nan"),
                difference=float(d.mean()),
                interval=(float(d.mean()) - half, float(d.mean()) + half),
            )
        )
    return tuple(out)


def check(
    scenario: Scenario,
    *,
    replications: int = 10_000,
    seed: int = 0,
    workers: int = 1,
    references: bool = True,
) -> CheckReport:
    """Run the scenario's Monte Carlo (:func:`shieldlab.montecarlo.simulate`) and compare;
    with ``references``, also run every other named doctrine on the same replications
    (:func:`reference_runs`) so a loss of the scenario's doctrine is visible."""
    import dataclasses

    from shieldlab.montecarlo import simulate

    res = simulate(scenario, replications=replications, seed=seed, workers=workers)
    rep = compare(scenario, res)
    if not references:
        return rep
    row = next(r for r in rep.rows if r.quantity == "expected_leakers")
    refs = reference_runs(
        scenario, replications=replications, seed=seed, closed_leakers=row.closed_form
    )
    return dataclasses.replace(rep, references=refs)
