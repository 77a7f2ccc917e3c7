"""First-strike stability of a two-sided posture with offences and defences.

The model follows the tradition of Kent & Thaler, *First-Strike Stability: A Methodology
for Evaluating Strategic Forces*, RAND R-3765-AF (1989) and Wilkening & Watman, *Strategic
Defenses and First-Strike Stability*, RAND R-3412-FF/RC (1986): each side compares its
cost of striking first with its cost of striking second; the less it gains by going first,
the more stable the posture. Those reports could not be consulted from this environment,
so the forms below are our statement of that approach; every choice that could differ from
the originals is a parameter (documented in docs/stability.md).

Exchange when side A strikes first (expected values throughout; B symmetric):

1. A aims r warheads at each of B's vulnerable launchers V_B = (1 - f_B) L_B, using
   cf = min(W_A, r V_B) of its W_A = L_A w_A warheads (targeted fraction tau = cf/(r V_B)).
2. They meet B's force defence (a share phi_B of B's interceptors); a fraction
   lambda = leak(cf; phi_B I_B) / cf arrives, with the fluid inventory form
   leak(N; I) = N - min(N, I/n) Pk (Wilkening 1999, section 3).
3. A vulnerable launcher that is targeted survives with (1 - p_cf lambda)^r; surviving
   launchers S_B = f_B L_B + V_B (1 - tau + tau (1 - p_cf lambda)^r).
4. B retaliates with S_B w_B warheads at A's value through A's value defence
   ((1 - phi_A) I_A); A fires its W_A - cf reserve warheads at B's value (if
   ``reserve_attack``) through B's value defence.
5. Damage fraction to a side's value from y penetrating warheads d(y) = 1 - exp(-y / T)
   (T = damage_scale_warheads; the exponential limit of random allocation of warheads
   over many equal targets).

Cost to side X of an exchange: C_X = d_X + alpha_X (1 - d_Y), the damage X suffers plus
the weight alpha_X it puts on the adversary's surviving value (Kent & Thaler's form of
the cost as we state it; alpha = 0 counts own damage only).

Stability index: per side rho_X = min(1, C_X(first) / C_X(second)) (rho_X = 1 when both
costs are zero), and FSI = rho_A rho_B (``combine="product"``, Kent & Thaler's product of
the two sides' ratios) or min(rho_A, rho_B). FSI lies in [0, 1]: 1 when neither side gains
anything by striking first, near 0 when one side would lose almost nothing by going first
but much by waiting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from shieldlab.core.engagement import p_kill_per_threat
from shieldlab.stability.posture import Posture, SideName, SidePosture

__all__ = [
    "ExchangeOutcome",
    "FirstStrikeResult",
    "Leakage",
    "SideForces",
    "closed_form_leakage",
    "damage_fraction",
    "exchange",
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


def fluid_leakers(n_warheads: float, interceptors: float, shots: float, p_kill: float) -> float:
    """leak(N; I) = N - min(N, I/n) Pk: Wilkening's inventory model with fractional counts."""
    if n_warheads <= 0.0:
        return 0.0
    return n_warheads - min(n_warheads, interceptors / shots) * p_kill


#: A leakage function: (incoming warheads, interceptors allotted, defending side) ->
#: expected penetrating warheads. The default is the fluid closed form; an engine-derived
#: function (interpolating penetration curves) can be passed instead.
Leakage = Callable[[float, float, "SideForces"], float]


def closed_form_leakage(n_warheads: float, interceptors: float, defender: SideForces) -> float:
    """The default :data:`Leakage`: :func:`fluid_leakers` with the defender's n and Pk."""
    return fluid_leakers(n_warheads, interceptors, defender.shots_per_threat, defender.p_kill)


def damage_fraction(penetrating: float, scale_warheads: float) -> float:
    """d(y) = 1 - exp(-y / T): share of a side's value destroyed by y penetrating warheads."""
    return 1.0 - math.exp(-max(penetrating, 0.0) / scale_warheads)


@dataclass(frozen=True, kw_only=True)
class ExchangeOutcome:
    """One exchange: ``striker`` goes first, ``victim`` retaliates (expected values)."""

    striker: str
    counterforce_warheads: float
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


def exchange(
    striker: SideForces,
    victim: SideForces,
    *,
    warheads_per_target: int = 1,
    reserve_attack: bool = True,
    striker_name: str = "A",
    leakage: Leakage = closed_form_leakage,
) -> ExchangeOutcome:
    """Expected outcome of ``striker`` going first (steps 1-5 of the module docstring)."""
    r = float(warheads_per_target)
    vulnerable = (1.0 - victim.survivable_fraction) * victim.launchers
    wanted = r * vulnerable
    cf = min(striker.warheads, wanted)
    tau = cf / wanted if wanted > 0.0 else 0.0
    force_def = victim.forces_fraction * victim.interceptors
    arriving = leakage(cf, force_def, victim) / cf if cf > 0.0 else 0.0
    survive_targeted = (1.0 - striker.counterforce_pk * arriving) ** r
    surviving = victim.survivable_fraction * victim.launchers + vulnerable * (
        1.0 - tau + tau * survive_targeted
    )
    retaliation = surviving * victim.warheads_per_launcher
    ret_pen = leakage(retaliation, (1.0 - striker.forces_fraction) * striker.interceptors, striker)
    reserve = striker.warheads - cf if reserve_attack else 0.0
    res_pen = leakage(reserve, (1.0 - victim.forces_fraction) * victim.interceptors, victim)
    d_striker = damage_fraction(ret_pen, striker.damage_scale_warheads)
    d_victim = damage_fraction(res_pen, victim.damage_scale_warheads)
    return ExchangeOutcome(
        striker=striker_name,
        counterforce_warheads=cf,
        arriving_fraction=arriving,
        victim_surviving_launchers=surviving,
        retaliation_warheads=retaliation,
        retaliation_penetrating=ret_pen,
        reserve_warheads=reserve,
        reserve_penetrating=res_pen,
        damage_to_striker=d_striker,
        damage_to_victim=d_victim,
        cost_to_striker=d_striker + striker.alpha * (1.0 - d_victim),
        cost_to_victim=d_victim + victim.alpha * (1.0 - d_striker),
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
    warheads_per_target: int = 1,
    reserve_attack: bool = True,
    combine: str = "product",
    leakage: Leakage = closed_form_leakage,
) -> FirstStrikeResult:
    """Kent-Thaler-style first-strike stability index in [0, 1] (module docstring).

    ``leakage`` gives each defence's expected penetrators (default: the closed form).
    """
    if combine not in ("product", "min"):
        raise ValueError("combine must be 'product' or 'min'")
    b_first, r_first = (
        exchange(
            striker,
            victim,
            warheads_per_target=warheads_per_target,
            reserve_attack=reserve_attack,
            striker_name=name,
            leakage=leakage,
        )
        for name, striker, victim in (("blue", blue, red), ("red", red, blue))
    )
    rb = _ratio(b_first.cost_to_striker, r_first.cost_to_victim)
    rr = _ratio(r_first.cost_to_striker, b_first.cost_to_victim)
    index = rb * rr if combine == "product" else min(rb, rr)
    return FirstStrikeResult(
        blue_cost_first=b_first.cost_to_striker,
        blue_cost_second=r_first.cost_to_victim,
        red_cost_first=r_first.cost_to_striker,
        red_cost_second=b_first.cost_to_victim,
        blue_ratio=rb,
        red_ratio=rr,
        index=index,
        combine=combine,
        blue_strikes_first=b_first,
        red_strikes_first=r_first,
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
        warheads_per_target=posture.exchange.counterforce_warheads_per_launcher,
        reserve_attack=posture.exchange.reserve_attack,
        combine=posture.exchange.combine,
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
