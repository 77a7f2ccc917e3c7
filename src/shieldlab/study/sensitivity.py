"""Global sensitivity: Sobol first-order and total indices, Morris elementary effects.

Sobol indices (variance-based): on Saltelli's design -- matrices A and B of N rows, and
AB_i (A with column i from B) -- the first-order index S_i is estimated with Saltelli et
al. (2010)'s estimator, mean(f(B) (f(AB_i) - f(A))) / V, and the total index S_Ti with
Jansen's (1999), mean((f(A) - f(AB_i))²) / (2 V) (Saltelli et al., "Variance based
sensitivity analysis of model output. Design and estimator for the total sensitivity
index", Comput. Phys. Commun. 181 (2010) 259-270, table 2). The estimates and their
bootstrap percentile intervals come from :func:`scipy.stats.sobol_indices` given the
model outputs. Checked in the tests against the Ishigami function, whose indices are
known in closed form (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*,
Wiley, sec. 4.9; Ishigami & Homma 1990).

Morris screening (Morris 1991, "Factorial sampling plans for preliminary computational
experiments", Technometrics 33(2)): along r one-at-a-time trajectories the elementary
effect of factor i is EE_i = (f(x + Δ e_i) - f(x)) / Δ in unit-cube coordinates (so in
output units per full range of the factor); mu* = mean |EE_i| (Campolongo, Cariboni &
Saltelli 2007) ranks the factors, sigma = std EE_i flags non-linearity or interactions.
Intervals on mu* are bootstrap percentiles over trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FactorIndex", "morris_indices", "sobol_from_design"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class FactorIndex:
    """One factor's sensitivity measure for one output, with its 95 % interval."""

    output: str
    factor: str
    measure: str  # "S1", "ST", "mu_star", "mu", "sigma"
    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "factor": self.factor,
            "measure": self.measure,
            "value": self.value,
            "low": self.low,
            "high": self.high,
        }


def _saltelli(f_a: F64, f_b: F64, f_ab: F64) -> tuple[F64, F64]:
    """S1 (Saltelli 2010) and ST (Jansen 1999) of centred outputs, as scipy computes them.

    ``f_a``, ``f_b``: shape (n,); ``f_ab``: shape (d, n). Zero variance gives zero indices.
    """
    var = np.var(np.concatenate([f_a, f_b]))
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.mean(f_b * (f_ab - f_a), axis=-1) / var  # Saltelli 2010, table 2 (b)
        st = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var  # table 2 (f)
    s1[~np.isfinite(s1)] = 0.0
    st[~np.isfinite(st)] = 0.0
    return s1, st


def sobol_from_design(
    y: F64, *, n: int, d: int, bootstrap: int = 1000, seed: int = 0
) -> dict[str, F64]:
    """S1 and ST (and bootstrap 95 % bounds) from outputs on the A, B, AB_1..AB_d cells.

    ``y`` holds the outputs in design order: N rows of A, N of B, then N of each AB_i.
    Returns arrays of length d: ``S1``, ``ST``, ``S1_low``, ``S1_high``, ``ST_low``,
    ``ST_high`` (bounds NaN when ``bootstrap`` is 0).

    The estimators are :func:`scipy.stats.sobol_indices`'s (outputs centred on the mean of
    A and B, then Saltelli 2010 / Jansen 1999), written out here because scipy's
    ``SobolResult.bootstrap`` draws from numpy's unseeded global state and its squeeze
    breaks a single factor. The intervals are :func:`scipy.stats.bootstrap`'s BCa
    intervals over the N rows, with a generator keyed by ``seed``: same seed, same bounds.
    """
    from scipy.stats import bootstrap as sp_bootstrap

    y = np.asarray(y, dtype=np.float64)
    if d < 1 or y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} outputs, got {y.shape}")
    f_a = y[:n]
    f_b = y[n : 2 * n]
    mean = np.mean(np.concatenate([f_a, f_b]))
    f_a = f_a - mean
    f_b = f_b - mean
    f_ab = y[2 * n :].reshape(d, n) - mean
    s1, st = _saltelli(f_a, f_b, f_ab)
    out = {"S1": s1, "ST": st}
    for key in ("S1", "ST"):
        out[f"{key}_low"] = np.full(d, np.nan)
        out[f"{key}_high"] = np.full(d, np.nan)
    if bootstrap > 0 and n > 1 and np.var(np.concatenate([f_a, f_b])) > 0:

        def statistic(idx: npt.NDArray[np.int64]) -> F64:
            a, b = _saltelli(f_a[idx], f_b[idx], f_ab[:, idx])
            return np.concatenate([a, b])

        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 3]))
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = sp_bootstrap(
                (np.arange(n),),
                statistic,
                method="BCa",
                n_resamples=bootstrap,
                confidence_level=0.95,
                vectorized=False,
                rng=rng,
            )
        low = np.asarray(boot.confidence_interval.low, dtype=np.float64)
        high = np.asarray(boot.confidence_interval.high, dtype=np.float64)
        out["S1_low"], out["ST_low"] = low[:d], low[d:]
        out["S1_high"], out["ST_high"] = high[:d], high[d:]
    return out


def elementary_effects(unit: F64, y: F64, *, d: int) -> F64:
    """EE[t, i] of every trajectory t and factor i (unit-cube coordinates)."""
    unit = np.asarray(unit, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = unit.shape[0] // (d + 1)
    x = unit.reshape(r, d + 1, d)
    f = y.reshape(r, d + 1)
    dx = np.diff(x, axis=1)  # (r, d, d): step k moves one factor
    moved = np.argmax(np.abs(dx), axis=2)  # (r, d)
    step = np.take_along_axis(dx, moved[..., None], axis=2)[..., 0]
    ee_steps = np.diff(f, axis=1) / step  # (r, d)
    ee = np.empty((r, d))
    np.put_along_axis(ee, moved, ee_steps, axis=1)
    return ee


def morris_indices(
    unit: F64, y: F64, *, d: int, bootstrap: int = 1000, seed: int = 0
) -> dict[str, F64]:
    """mu, mu* and sigma of the elementary effects, and a bootstrap 95 % interval on mu*."""
    ee = elementary_effects(unit, y, d=d)
    r = ee.shape[0]
    mu_star = np.mean(np.abs(ee), axis=0)
    out = {
        "mu": np.mean(ee, axis=0),
        "mu_star": mu_star,
        "sigma": np.std(ee, axis=0, ddof=1) if r > 1 else np.full(d, np.nan),
        "mu_star_low": np.full(d, np.nan),
        "mu_star_high": np.full(d, np.nan),
    }
    if bootstrap > 0 and r > 1:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 4]))
        idx = rng.integers(0, r, size=(bootstrap, r))
        boots = np.mean(np.abs(ee)[idx], axis=1)  # (bootstrap, d)
        out["mu_star_low"] = np.percentile(boots, 2.5, axis=0)
        out["mu_star_high"] = np.percentile(boots, 97.5, axis=0)
    return out


def analyse(
    kind: str,
    *,
    factors: list[str],
    outputs: dict[str, F64],
    unit: F64 | None,
    samples: int,
    bootstrap: int,
    seed: int,
) -> list[FactorIndex]:
    """Sensitivity of every output to every factor for a ``sobol`` or ``morris`` design."""
    d = len(factors)
    found: list[FactorIndex] = []
    for name, y in outputs.items():
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            continue
        if kind == "sobol":
            s = sobol_from_design(y, n=samples, d=d, bootstrap=bootstrap, seed=seed)
            measures: tuple[str, ...] = ("S1", "ST")
        elif kind == "morris":
            assert unit is not None
            s = morris_indices(unit, y, d=d, bootstrap=bootstrap, seed=seed)
            s["mu_low"] = s["mu_high"] = s["sigma_low"] = s["sigma_high"] = np.full(d, np.nan)
            measures = ("mu_star", "mu", "sigma")
        else:
            return []
        for m in measures:
            for j, fac in enumerate(factors):
                found.append(
                    FactorIndex(
                        output=name,
                        factor=fac,
                        measure=m,
                        value=float(s[m][j]),
                        low=float(s[f"{m}_low"][j]),
                        high=float(s[f"{m}_high"][j]),
                    )
                )
    return found
