"""Mahalanobis gating: plot j may belong to track i when nu^T S^-1 nu <= gamma.

With the gate probability P_G the threshold is the chi-square quantile
gamma = chi2.ppf(P_G, dz) (Bar-Shalom & Fortmann 1988, sec. 2.3.2 "validation region").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldlab.tracking.base import FloatArray, Gater, Gating


def chi2_gate(probability: float, dim: int) -> float:
    """Squared-distance threshold holding the true plot with ``probability`` (chi-square)."""
    from scipy.stats import chi2

    return float(chi2.ppf(probability, dim))


@dataclass(frozen=True, kw_only=True)
class MahalanobisGater(Gater):
    """Gate on the *distance* d = sqrt(nu^T S^-1 nu) <= ``max_distance``.

    The threshold is the Mahalanobis distance (not its square), as in Stone Soup's
    ``DistanceHypothesiser(missed_distance=...)``; use :func:`chi2_gate` to derive it from a
    gate probability (``sqrt(chi2_gate(0.99, 3))`` ~ 3.37).
    """

    max_distance: float = 3.0

    def gate(self, nu: FloatArray, s: FloatArray) -> Gating:
        _, m, dz = nu.shape
        if s.ndim == 3:
            s_inv = np.linalg.inv(s)
            # matmul batches through BLAS-style kernels; einsum here is several times slower.
            d2 = np.sum(np.matmul(nu, s_inv) * nu, axis=-1)
            _, logdet = np.linalg.slogdet(s)
            log_det_s = np.repeat(logdet[:, None], m, axis=1)
        else:
            sol = np.linalg.solve(s, nu[..., None])[..., 0]
            d2 = np.sum(nu * sol, axis=-1)
            _, log_det_s = np.linalg.slogdet(s)
        d2 = np.asarray(d2)
        return Gating(
            d2=d2,
            valid=d2 <= self.max_distance**2,
            log_det_s=np.asarray(log_det_s),
            dim=dz,
            threshold_d2=self.max_distance**2,
        )
