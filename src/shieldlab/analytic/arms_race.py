"""Richardson's arms-race model with checked inputs (kernels: :mod:`shieldlab.core.richardson`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldlab.analytic import _validate as v
from shieldlab.core import richardson as rc
from shieldlab.core.richardson import FloatArray


@dataclass(frozen=True, kw_only=True)
class RichardsonResult:
    """Equilibrium (nan when a b = k l), stability, and the trajectory when asked for."""

    equilibrium: tuple[float, float]
    stable: bool
    t_years: FloatArray | None = None
    x: FloatArray | None = None
    y: FloatArray | None = None


def richardson(
    *,
    k: float,
    l: float,  # noqa: E741 - Richardson's own symbol
    a: float,
    b: float,
    g: float,
    h: float,
    x0: float = 0.0,
    y0: float = 0.0,
    years: float | None = None,
    n_steps: int = 11,
) -> RichardsonResult:
    """dx/dt = k y - a x + g, dy/dt = l x - b y + h: equilibrium, stability (ab > kl), path.

    Coefficients k, l, a, b must be non-negative (they are reaction and fatigue rates);
    g, h (grievances) and the starting levels may have any sign.
    """
    kk, ll, aa, bb = (
        float(v.non_negative(n, x)) for n, x in zip("klab", (k, l, a, b), strict=True)
    )
    gg, hh = float(v.finite("g", g)), float(v.finite("h", h))
    eq = rc.richardson_equilibrium(kk, ll, aa, bb, gg, hh)
    stable = rc.richardson_stable(kk, ll, aa, bb)
    if years is None:
        return RichardsonResult(equilibrium=eq, stable=stable)
    yrs = float(v.positive("years", years))
    steps = int(v.count("n_steps", n_steps, minimum=2))
    t, x, y = rc.richardson_trajectory(
        kk, ll, aa, bb, gg, hh, float(v.finite("x0", x0)), float(v.finite("y0", y0)), yrs, steps
    )
    return RichardsonResult(
        equilibrium=eq, stable=stable, t_years=t, x=np.asarray(x), y=np.asarray(y)
    )
