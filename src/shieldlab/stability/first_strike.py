"""First-strike stability of a two-sided posture with offences and defences.

The model follows the tradition of Kent & Thaler, *First-Strike Stability: A Methodology
for Evaluating Strategic Forces*, RAND R-3765-AF (1989) and Wilkening & Watman, *Strategic
Defenses and First-Strike Stability*, RAND R-3412-FF/RC (1986): each side compares its
cost of striking first with its cost of striking second; the less it gains by going first,
the more stable the posture. The reports themselves could not be consulted from this
environment; Kent & Thaler's constants below are as a public implementation (the "Crisis
Stability Calculator") cites them page by page. Every choice that could differ from the
originals is a parameter (documented in docs/stability.md).

Exchange when side A strikes first (expected values throughout; B symmetric):

1. A has W_A = L_A w_A ((1 - f_A) + g f_A) warheads at hand: all of its fixed launchers
   and the share g (``first_strike_survivable_share``) of its survivable ones (Kent &
   Thaler's forces rule, R-3765-AF p. 34: all fixed forces plus 90 % of survivable ones).
2. A aims r warheads at each of B's vulnerable launchers V_B = (1 - f_B) L_B, spending
   cf <= min(W_A, r V_B) of them (targeted fraction tau = cf/(r V_B)). With
   ``strike: optimised`` (default) A chooses cf (whole warheads, and the endpoint) and
   r in 1..``counterforce_warheads_per_launcher`` to minimise its own cost (Kent &
   Thaler's stop rule: the striker stops adding counterforce warheads where its cost is
   lowest); ``strike: fixed`` spends cf = min(W_A, r V_B) (the allocation before issue 18).
3. The warheads meet B's force defence (a share phi_B of B's interceptors); a fraction
   lambda = leak(cf; phi_B I_B) / cf arrives, with the fluid inventory form
   leak(N; I) = N - min(N, I/n) Pk (Wilkening 1999, section 3).
4. B launches the share u (``launch_under_attack``) of its vulnerable launchers before the
   strike lands (Kent & Thaler p. 35 n. 4: launch under attack saves 90 % of the fixed
   force); of the rest, a targeted launcher survives with (1 - p_cf lambda)^r:
   S_B = f_B L_B + u V_B + (1 - u) V_B (1 - tau + tau (1 - p_cf lambda)^r).
5. B retaliates with S_B w_B warheads at A's value through A's value defence
   ((1 - phi_A) I_A); A fires its W_A - cf reserve warheads at B's value (if
   ``reserve_attack``) through B's value defence.
6. Damage fraction to a side's value from y penetrating warheads d(y) = 1 - exp(-y / T)
   (T = damage_scale_warheads; the exponential limit of random allocation of warheads
   over many equal targets).

Cost to side X of an exchange: C_X = d_X^e + alpha_X (1 - d_Y^e), the damage X suffers plus
the weight alpha_X it puts on the adversary's surviving value. e = ``cost_exponent``:
1 is the linear form (shieldlab's default before issue 18); Kent & Thaler's own form
(R-3765-AF App. C p. 61) is e = 0.75 with alpha = 0.3. Total loss with the enemy untouched
costs 1 + alpha whatever e. ``exchange: {preset: kent-thaler}`` sets e = 0.75, g = 0.9,
u = 0.9 (each still overridable); alpha stays the side's ``valuation.alpha``.

Stability index: per side rho_X = min(1, C_X(first) / C_X(second)) (rho_X = 1 when both
costs are zero), and FSI = rho_A rho_B (``combine="product"``, Kent & Thaler's product of
the two sides' ratios, pp. 26, 29) or min(rho_A, rho_B). FSI lies in [0, 1]: 1 when neither
side gains anything by striking first, near 0 when one side would lose almost nothing by
going first but much by waiting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

from shieldlab.core.engagement import p_kill_per_threat
from shieldlab.stability.posture import EXCHANGE_PRESETS, Posture, SideName, SidePosture

FloatArray = NDArray[np.float64]
FloatArrayLike = float | FloatArray

__all__ = [
    "KENT_THALER",
    "ExchangeOutcome",
    "ExchangeSettings",
    "FirstStrikeResult",
    "Leakage",
    "SideForces",
    "closed_form_leakage",
    "damage_fraction",
    "exchange",
    "exchange_cost",
    "exchange_settings",
    "first_strike_stability",
    "fluid_leakers",
    "stability_vs_interceptors",
]


@dataclass(frozen=True, kw_only=True)
class SideForces:
    """The numbers of one side that the exchange uses (plain floats, no pydantic)."""

    launchers: float
    warheads_per_launcher: float
    survivable_fraction: float
    counterforce_pk: float
    interceptors: float
    shots_per_threat: float
    sspk: float
    p_detect: float
    forces_fraction: float
    damage_scale_warheads: float
    alpha: float

    def __post_init__(self) -> None:
        # The index lies in [0, 1] only if every damage fraction and cost is non-negative;
        # postures are validated on load, forces built by hand are checked here.
        bad = [
            name
            for name, ok in (
                ("launchers", self.launchers >= 0.0),
                ("warheads_per_launcher", self.warheads_per_launcher >= 0.0),
                ("interceptors", self.interceptors >= 0.0),
                ("shots_per_threat", self.shots_per_threat > 0.0),
                ("damage_scale_warheads", self.damage_scale_warheads > 0.0),
                ("alpha", self.alpha >= 0.0),
                *(
                    (name, 0.0 <= getattr(self, name) <= 1.0)
                    for name in (
                        "survivable_fraction",
                        "counterforce_pk",
                        "sspk",
                        "p_detect",
                        "forces_fraction",
                    )
                ),
            )
            if not ok
        ]
        if bad:
            raise ValueError(f"SideForces out of range: {', '.join(bad)}")

    @classmethod
    def from_posture(cls, s: SidePosture) -> SideForces:
        """From one side of a posture."""
        return cls(
            launchers=float(s.offence.launchers),
            warheads_per_launcher=float(s.offence.warheads_per_launcher),
            survivable_fraction=s.offence.survivable_fraction,
            counterforce_pk=s.offence.counterforce_pk,
            interceptors=float(s.defence.interceptors),
            shots_per_threat=float(s.defence.shots_per_threat),
            sspk=s.defence.sspk,
            p_detect=s.defence.p_detect,
            forces_fraction=s.defence.forces_fraction,
            damage_scale_warheads=s.valuation.damage_scale_warheads,
            alpha=s.valuation.alpha,
        )

    @property
    def p_kill(self) -> float:
        """Per-warhead kill probability of the defence: Pd (1 - (1 - SSPK)^n)."""
        return float(p_kill_per_threat(self.sspk, self.shots_per_threat, self.p_detect))

    @property
    def warheads(self) -> float:
        """W = L w."""
        return self.launchers * self.warheads_per_launcher


def fluid_leakers(
    n_warheads: FloatArrayLike, interceptors: float, shots: float, p_kill: float
) -> FloatArrayLike:
    """leak(N; I) = N - min(N, I/n) Pk: Wilkening's inventory model with fractional counts.

    Elementwise for an array of N (the optimised first strike evaluates many at once).
    """
    if isinstance(n_warheads, np.ndarray):
        n = np.maximum(n_warheads, 0.0)
        return n - np.minimum(n, interceptors / shots) * p_kill
    if n_warheads <= 0.0:
        return 0.0
    return n_warheads - min(n_warheads, interceptors / shots) * p_kill


#: A leakage function: (incoming warheads, interceptors allotted, defending side) ->
#: expected penetrating warheads. The default is the fluid closed form; an engine-derived
#: function (interpolating penetration curves) can be passed instead (called per value).
Leakage = Callable[[float, float, "SideForces"], float]


def closed_form_leakage(n_warheads: float, interceptors: float, defender: SideForces) -> float:
    """The default :data:`Leakage`: :func:`fluid_leakers` with the defender's n and Pk."""
    return float(
        fluid_leakers(n_warheads, interceptors, defender.shots_per_threat, defender.p_kill)
    )


def _leak(leakage: Leakage, n: FloatArray, interceptors: float, side: SideForces) -> FloatArray:
    if leakage is closed_form_leakage:
        return np.asarray(
            fluid_leakers(n, interceptors, side.shots_per_threat, side.p_kill), dtype=np.float64
        )
    return np.array([leakage(float(x), interceptors, side) for x in n], dtype=np.float64)


def damage_fraction(penetrating: float, scale_warheads: float) -> float:
    """d(y) = 1 - exp(-y / T): share of a side's value destroyed by y penetrating warheads."""
    return 1.0 - math.exp(-max(penetrating, 0.0) / scale_warheads)


def exchange_cost(own_damage: float, enemy_damage: float, alpha: float, exponent: float) -> float:
    """C = d_own^e + alpha (1 - d_enemy^e) (Kent & Thaler 1989, App. C p. 61: e = 0.75).

    e = 1 is the linear form; total loss with the enemy untouched costs 1 + alpha.
    """
    return own_damage**exponent + alpha * (1.0 - enemy_damage**exponent)


StrikeRule = Literal["optimised", "fixed"]


@dataclass(frozen=True, kw_only=True)
class ExchangeSettings:
    """The rules of one exchange (plain floats; :class:`~.posture.ExchangeRules` on file).

    ``warheads_per_target``: r with ``strike="fixed"``, the largest r the striker may
    choose with ``strike="optimised"``. ``cost_exponent`` e, ``first_strike_survivable_share``
    g and ``launch_under_attack`` u: module docstring, steps 1, 4 and the cost.
    """

    warheads_per_target: int = 1
    reserve_attack: bool = True
    combine: str = "product"
    strike: StrikeRule = "optimised"
    cost_exponent: float = 1.0
    first_strike_survivable_share: float = 1.0
    launch_under_attack: float = 0.0

    def __post_init__(self) -> None:
        if self.combine not in ("product", "min"):
            raise ValueError("combine must be 'product' or 'min'")
        if self.strike not in ("optimised", "fixed"):
            raise ValueError("strike must be 'optimised' or 'fixed'")
        if self.warheads_per_target < 1:
            raise ValueError("warheads_per_target must be >= 1")
        if not 0.0 < self.cost_exponent <= 4.0:
            raise ValueError("cost_exponent must lie in (0, 4]")
        for name in ("first_strike_survivable_share", "launch_under_attack"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")

    @classmethod
    def kent_thaler(cls, **over: Any) -> ExchangeSettings:
        """Kent & Thaler's preset: e = 0.75, g = 0.9, u = 0.9 (R-3765-AF pp. 34, 35, 61)."""
        base: dict[str, Any] = {
            "cost_exponent": KENT_THALER["cost_exponent"],
            "first_strike_survivable_share": KENT_THALER["first_strike_survivable_share"],
            "launch_under_attack": KENT_THALER["launch_under_attack"],
        }
        base.update(over)
        return cls(**base)


#: Kent & Thaler's constants (RAND R-3765-AF, 1989), as the "Crisis Stability Calculator"
#: cites them: cost exponent 0.75 and alpha 0.3 (App. C p. 61), the first striker uses
#: all fixed forces plus 90 % of survivable ones (p. 34), launch under attack saves 90 %
#: of the fixed force (p. 35 n. 4). alpha stays each side's ``valuation.alpha``.
KENT_THALER: dict[str, float] = {**EXCHANGE_PRESETS["kent-thaler"], "alpha": 0.3}


@dataclass(frozen=True, kw_only=True)
class ExchangeOutcome:
    """One exchange: ``striker`` goes first, ``victim`` retaliates (expected values)."""

    striker: str
    warheads_per_target: int
    counterforce_warheads: float
    available_warheads: float
    arriving_fraction: float
    victim_surviving_launchers: float
    retaliation_warheads: float
    retaliation_penetrating: float
    reserve_warheads: float
    reserve_penetrating: float
    damage_to_striker: float
    damage_to_victim: float
    cost_to_striker: float
    cost_to_victim: float
    counterforce_limit: float


def _exchanges(
    striker: SideForces,
    victim: SideForces,
    cf: FloatArray,
    r: int,
    rules: ExchangeSettings,
    leakage: Leakage,
) -> dict[str, FloatArray]:
    """Steps 1-6 of the module docstring for every counterforce spend in ``cf`` at once."""
    rr = float(r)
    f_a = striker.survivable_fraction
    available = striker.warheads * ((1.0 - f_a) + rules.first_strike_survivable_share * f_a)
    vulnerable = (1.0 - victim.survivable_fraction) * victim.launchers
    wanted = rr * vulnerable
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(wanted > 0.0, cf / wanted if wanted > 0.0 else 0.0, 0.0)
        arriving = np.where(
            cf > 0.0,
            _leak(leakage, cf, victim.forces_fraction * victim.interceptors, victim)
            / np.where(cf > 0.0, cf, 1.0),
            0.0,
        )
    survive_targeted = (1.0 - striker.counterforce_pk * arriving) ** rr
    u = rules.launch_under_attack
    surviving = (
        victim.survivable_fraction * victim.launchers
        + u * vulnerable
        + (1.0 - u) * vulnerable * (1.0 - tau + tau * survive_targeted)
    )
    retaliation = surviving * victim.warheads_per_launcher
    ret_pen = _leak(
        leakage, retaliation, (1.0 - striker.forces_fraction) * striker.interceptors, striker
    )
    reserve = available - cf if rules.reserve_attack else np.zeros_like(cf)
    res_pen = _leak(leakage, reserve, (1.0 - victim.forces_fraction) * victim.interceptors, victim)
    d_striker = 1.0 - np.exp(-np.maximum(ret_pen, 0.0) / striker.damage_scale_warheads)
    d_victim = 1.0 - np.exp(-np.maximum(res_pen, 0.0) / victim.damage_scale_warheads)
    e = rules.cost_exponent
    return {
        "cf": cf,
        "available": np.full_like(cf, available),
        "limit": np.full_like(cf, min(available, wanted)),
        "arriving": arriving,
        "surviving": surviving,
        "retaliation": retaliation,
        "ret_pen": ret_pen,
        "reserve": reserve,
        "res_pen": res_pen,
        "d_striker": d_striker,
        "d_victim": d_victim,
        "c_striker": d_striker**e + striker.alpha * (1.0 - d_victim**e),
        "c_victim": d_victim**e + victim.alpha * (1.0 - d_striker**e),
    }


def _candidates(limit: float) -> FloatArray:
    """Whole-warhead counterforce spends 0, 1, ..., floor(limit), and ``limit`` itself."""
    whole = np.arange(math.floor(limit) + 1, dtype=np.float64)
    if limit > whole[-1]:
        whole = np.append(whole, limit)
    return whole


def _refine(
    striker: SideForces,
    victim: SideForces,
    grid: dict[str, FloatArray],
    r: int,
    rules: ExchangeSettings,
    leakage: Leakage,
) -> dict[str, FloatArray]:
    """Add the continuous optimum near the best whole-warhead spend (expected values are
    fractional, so the stop point is too): bounded Brent search on the two unit intervals
    around it (scipy ``minimize_scalar``); the grid keeps the result no worse than a whole
    number."""
    cf = grid["cf"]
    j = int(np.argmin(grid["c_striker"]))
    lo, hi = float(cf[max(j - 1, 0)]), float(cf[min(j + 1, cf.size - 1)])

    def cost(x: float) -> float:
        return float(_exchanges(striker, victim, np.array([x]), r, rules, leakage)["c_striker"][0])

    extra = []
    for a, b in ((lo, float(cf[j])), (float(cf[j]), hi)):
        if b - a > 1e-12:
            res = minimize_scalar(cost, bounds=(a, b), method="bounded", options={"xatol": 1e-9})
            extra.append(float(res.x))
    if not extra:
        return grid
    cand = np.concatenate([cf, np.array(extra)])
    order = np.argsort(cand, kind="stable")
    return _exchanges(striker, victim, cand[order], r, rules, leakage)


def exchange(
    striker: SideForces,
    victim: SideForces,
    *,
    warheads_per_target: int | None = None,
    reserve_attack: bool | None = None,
    striker_name: str = "A",
    leakage: Leakage = closed_form_leakage,
    rules: ExchangeSettings | None = None,
    counterforce_warheads: float | None = None,
) -> ExchangeOutcome:
    """Expected outcome of ``striker`` going first (steps 1-6 of the module docstring).

    ``rules`` defaults to :class:`ExchangeSettings` (optimised strike, linear cost form);
    ``warheads_per_target`` and ``reserve_attack`` override it.
    ``counterforce_warheads`` forces the spend cf (clipped to [0, min(W_A, r V_B)]).
    With ``rules.strike == "optimised"`` the striker picks cf and r minimising its own cost
    (ties: the fewest warheads per target, then the fewest counterforce warheads): every
    whole number of warheads 0..min(W_A, r V_B) and that limit, then a bounded scalar search
    around the best (expected values are fractional, so cf is too).
    """
    base = ExchangeSettings() if rules is None else rules
    over: dict[str, Any] = {}
    if warheads_per_target is not None:
        over["warheads_per_target"] = int(warheads_per_target)
    if reserve_attack is not None:
        over["reserve_attack"] = bool(reserve_attack)
    rules = replace(base, **over) if over else base
    if counterforce_warheads is not None or rules.strike == "fixed":
        rs = [rules.warheads_per_target]
    else:
        rs = list(range(1, rules.warheads_per_target + 1))
    best: tuple[float, int, int, dict[str, FloatArray]] | None = None
    for r in rs:
        probe = _exchanges(striker, victim, np.zeros(1), r, rules, leakage)
        limit = float(probe["limit"][0])
        if counterforce_warheads is not None:
            cf = np.array([min(max(float(counterforce_warheads), 0.0), limit)])
        elif rules.strike == "fixed":
            cf = np.array([limit])
        else:
            cf = _candidates(limit)
        out = _exchanges(striker, victim, cf, r, rules, leakage)
        if cf.size > 1:
            out = _refine(striker, victim, out, r, rules, leakage)
        # The lowest cost, up to rounding: the first of the near-ties (fewest warheads).
        costs = out["c_striker"]
        j = int(np.flatnonzero(costs <= costs.min() + 1e-12)[0])
        if best is None or costs[j] < best[0] - 1e-12:
            best = (float(costs[j]), r, j, out)
    assert best is not None
    _, r, j, o = best
    return ExchangeOutcome(
        striker=striker_name,
        warheads_per_target=r,
        counterforce_warheads=float(o["cf"][j]),
        available_warheads=float(o["available"][j]),
        arriving_fraction=float(o["arriving"][j]),
        victim_surviving_launchers=float(o["surviving"][j]),
        retaliation_warheads=float(o["retaliation"][j]),
        retaliation_penetrating=float(o["ret_pen"][j]),
        reserve_warheads=float(o["reserve"][j]),
        reserve_penetrating=float(o["res_pen"][j]),
        damage_to_striker=float(o["d_striker"][j]),
        damage_to_victim=float(o["d_victim"][j]),
        cost_to_striker=float(o["c_striker"][j]),
        cost_to_victim=float(o["c_victim"][j]),
        counterforce_limit=float(o["limit"][j]),
    )


@dataclass(frozen=True, kw_only=True)
class FirstStrikeResult:
    """Costs of striking first and second for both sides, and the stability index."""

    blue_cost_first: float
    blue_cost_second: float
    red_cost_first: float
    red_cost_second: float
    blue_ratio: float
    red_ratio: float
    index: float
    combine: str
    blue_strikes_first: ExchangeOutcome
    red_strikes_first: ExchangeOutcome
    settings: ExchangeSettings

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def _ratio(first: float, second: float) -> float:
    if second <= 0.0:
        return 1.0
    return min(1.0, first / second)


def first_strike_stability(
    blue: SideForces,
    red: SideForces,
    *,
    warheads_per_target: int | None = None,
    reserve_attack: bool | None = None,
    combine: str | None = None,
    leakage: Leakage = closed_form_leakage,
    rules: ExchangeSettings | None = None,
) -> FirstStrikeResult:
    """Kent-Thaler-style first-strike stability index in [0, 1] (module docstring).

    ``rules`` default: :class:`ExchangeSettings` (optimised strike, linear cost form);
    ``warheads_per_target``, ``reserve_attack`` and ``combine`` override it. ``leakage``
    gives each defence's expected penetrators (default: the closed form).
    """
    over: dict[str, Any] = {
        k: v
        for k, v in (
            ("warheads_per_target", warheads_per_target),
            ("reserve_attack", reserve_attack),
            ("combine", combine),
        )
        if v is not None
    }
    settings = replace(ExchangeSettings() if rules is None else rules, **over)
    b_first, r_first = (
        exchange(striker, victim, striker_name=name, leakage=leakage, rules=settings)
        for name, striker, victim in (("blue", blue, red), ("red", red, blue))
    )
    rb = _ratio(b_first.cost_to_striker, r_first.cost_to_victim)
    rr = _ratio(r_first.cost_to_striker, b_first.cost_to_victim)
    index = rb * rr if settings.combine == "product" else min(rb, rr)
    return FirstStrikeResult(
        blue_cost_first=b_first.cost_to_striker,
        blue_cost_second=r_first.cost_to_victim,
        red_cost_first=r_first.cost_to_striker,
        red_cost_second=b_first.cost_to_victim,
        blue_ratio=rb,
        red_ratio=rr,
        index=index,
        combine=settings.combine,
        blue_strikes_first=b_first,
        red_strikes_first=r_first,
        settings=settings,
    )


def exchange_settings(posture: Posture) -> ExchangeSettings:
    """The :class:`ExchangeSettings` of a posture's ``exchange`` block (preset applied)."""
    x = posture.exchange
    return ExchangeSettings(
        warheads_per_target=x.counterforce_warheads_per_launcher,
        reserve_attack=x.reserve_attack,
        combine=x.combine,
        strike=x.strike,
        cost_exponent=x.resolved("cost_exponent"),
        first_strike_survivable_share=x.resolved("first_strike_survivable_share"),
        launch_under_attack=x.resolved("launch_under_attack"),
    )


def posture_stability(
    posture: Posture,
    *,
    blue: SideForces | None = None,
    red: SideForces | None = None,
) -> FirstStrikeResult:
    """First-strike stability of a posture (optionally with replaced forces)."""
    return first_strike_stability(
        SideForces.from_posture(posture.blue) if blue is None else blue,
        SideForces.from_posture(posture.red) if red is None else red,
        rules=exchange_settings(posture),
    )


def stability_vs_interceptors(
    posture: Posture, side: SideName, interceptors: np.ndarray
) -> np.ndarray:
    """The stability index as ``side`` fields each inventory in ``interceptors``."""
    posted = {
        "blue": SideForces.from_posture(posture.blue),
        "red": SideForces.from_posture(posture.red),
    }
    out = np.empty(len(interceptors), dtype=np.float64)
    for i, n in enumerate(np.asarray(interceptors, dtype=np.float64)):
        forces = {**posted, side: replace(posted[side], interceptors=float(n))}
        out[i] = posture_stability(posture, **forces).index
    return out
