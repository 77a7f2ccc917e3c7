"""Richardson's arms-race model: two linear coupled ODEs, solved in closed form.

dx/dt = k y - a x + g,  dy/dt = l x - b y + h  (Richardson, *Arms and Insecurity*, 1960;
Intriligator, "Research on conflict theory", J. Conflict Resolution 26 (1982)).
k, l: defence coefficients (reaction to the rival); a, b: fatigue/cost coefficients;
g, h: grievances. All arguments are floats (one model at a time).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import linalg

FloatArray = NDArray[np.float64]


def richardson_equilibrium(
    k: float,
    l: float,  # noqa: E741 - Richardson's own symbol
    a: float,
    b: float,
    g: float,
    h: float,
) -> tuple[float, float]:
    """Equilibrium (x*, y*) where both derivatives vanish.

    x* = (b g + k h)/(a b - k l), y* = (a h + l g)/(a b - k l); (nan, nan) when
    a b = k l (parallel nullclines: no equilibrium or a whole line of them).
    """
    det = a * b - k * l
    if det == 0.0:
        return float("nan"), float("nan")
    return (b * g + k * h) / det, (a * h + l * g) / det


def richardson_stable(k: float, l: float, a: float, b: float) -> bool:  # noqa: E741
    """Whether the equilibrium is asymptotically stable.

    The Jacobian [[-a, k], [l, -b]] has trace -(a+b) and determinant a b - k l; both
    eigenvalues have negative real parts iff a + b > 0 and a b > k l (Richardson 1960;
    for the usual a, b > 0 this is the condition a b > k l).
    """
    return bool(a + b > 0.0 and a * b > k * l)


def richardson_trajectory(
    k: float,
    l: float,  # noqa: E741 - Richardson's own symbol
    a: float,
    b: float,
    g: float,
    h: float,
    x0: float,
    y0: float,
    years: float,
    n_steps: int = 101,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Exact solution at n_steps evenly spaced times in [0, years]: (t_years, x, y).

    z = (x, y, 1) obeys z' = M z with M = [[-a, k, g], [l, -b, h], [0, 0, 0]], so
    z(t) = expm(M t) z(0) (exact for any a b - k l, including the singular case).
    """
    if n_steps < 2:
        raise ValueError("n_steps must be at least 2")
    t = np.linspace(0.0, float(years), int(n_steps))
    m = np.array([[-a, k, g], [l, -b, h], [0.0, 0.0, 0.0]], dtype=np.float64)
    z0 = np.array([x0, y0, 1.0])
    prop = linalg.expm(m[None, :, :] * t[:, None, None])
    z = prop @ z0
    return t, np.asarray(z[:, 0], dtype=np.float64), np.asarray(z[:, 1], dtype=np.float64)
