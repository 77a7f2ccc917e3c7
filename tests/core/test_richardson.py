"""Richardson arms-race model (Richardson 1960): equilibrium, stability, exact trajectory."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from shieldlab.core import richardson as rc


def test_equilibrium_solves_the_linear_system() -> None:
    k, l, a, b, g, h = 0.3, 0.6, 0.9, 0.5, 1.0, 2.0  # noqa: E741
    x, y = rc.richardson_equilibrium(k, l, a, b, g, h)
    assert k * y - a * x + g == pytest.approx(0, abs=1e-12)
    assert l * x - b * y + h == pytest.approx(0, abs=1e-12)
    # Hand: det = 0.45 - 0.18 = 0.27; x = (0.5 + 0.6)/0.27, y = (1.8 + 0.6)/0.27.
    assert (x, y) == pytest.approx((1.1 / 0.27, 2.4 / 0.27))


def test_stability_condition() -> None:
    assert rc.richardson_stable(0.3, 0.6, 0.9, 0.5)
    assert not rc.richardson_stable(0.9, 0.9, 0.5, 0.5)
    assert np.isnan(rc.richardson_equilibrium(1, 1, 1, 1, 1, 1)[0])


@pytest.mark.parametrize("params", [(0.3, 0.6, 0.9, 0.5, 1.0, 2.0), (0.9, 0.9, 0.5, 0.5, 1, 0)])
def test_trajectory_matches_ode_integration(params: tuple[float, ...]) -> None:
    k, l, a, b, g, h = params  # noqa: E741
    t, x, y = rc.richardson_trajectory(k, l, a, b, g, h, 1.0, 2.0, 10.0, 21)
    sol = solve_ivp(
        lambda _t, z: [k * z[1] - a * z[0] + g, l * z[0] - b * z[1] + h],
        (0, 10),
        [1.0, 2.0],
        t_eval=t,
        rtol=1e-11,
        atol=1e-11,
    )
    np.testing.assert_allclose(x, sol.y[0], rtol=1e-8)
    np.testing.assert_allclose(y, sol.y[1], rtol=1e-8)


def test_stable_trajectory_converges_to_equilibrium() -> None:
    _, x, y = rc.richardson_trajectory(0.3, 0.6, 0.9, 0.5, 1.0, 2.0, 0.0, 0.0, 200.0, 5)
    assert (x[-1], y[-1]) == pytest.approx(rc.richardson_equilibrium(0.3, 0.6, 0.9, 0.5, 1, 2))
