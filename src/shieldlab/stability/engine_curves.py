"""Penetration curves from the Monte Carlo engine, run with common random numbers.

Two uses:

* :func:`engine_curve` -- the engine's curve over given raid sizes: expected penetrating
  warheads (95 % interval) and P(at least k penetrate) for any k, from the distribution
  of lethal leakers over replications (:func:`shieldlab.montecarlo.studies.penetration_study`).
* :class:`EngineCurveCache` -- a drop-in for :class:`~shieldlab.stability.penetration.CurveCache`
  ("missiles needed against I interceptors"), so restoring deterrence, arms races and the
  restraint map can use engine curves (``curve source = engine``).

Model mapping (docs/stability.md, "Engine curves"): the engine scenario is the defence
(its batteries, sensors and doctrine stand in for the posture's shots/SSPK/Pd), for
whichever side defends; the posture supplies the inventory (the scenario's launcher
loadouts are rescaled to it, :func:`shieldlab.montecarlo.studies.with_inventory`), the
warheads per missile and the requirement. A missile with w warheads is w threats of the
scenario's raid mix; penetrating warheads are the engine's lethal leakers.

Reuse (what makes a 20 x 20 restraint map fast): each raid size is compiled once
(:class:`~shieldlab.montecarlo.studies.CompiledRaids`), each (inventory, raid size) pair
is simulated once, and curves are computed only at *defence sizes* on a grid of
``inventory_step`` interceptors; every run uses one seed, so all of them share their
random draws (common random numbers) and the curves are paired comparisons.

Accuracy trade-offs (all documented and tested against the closed form):

* raid sizes are simulated on a grid of ``raid_step`` threats; the first grid size that
  meets the requirement is found by bisection (the CRN curve is monotone), and between the
  two bracketing grid sizes the curve is interpolated: the mean linearly, and P(>= K) by
  shifting each end's leaker distribution by the interpolated change of the mean and
  blending the two linearly (exact in the saturated regime, where every added threat
  leaks);
* between two defence sizes on the inventory grid the missiles needed are interpolated
  linearly and rounded up (monotone in the inventory).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from shieldlab.errors import InputError
from shieldlab.stability.penetration import PenetrationCurve, Requirement

if TYPE_CHECKING:
    from shieldlab.montecarlo.studies import CompiledRaids, LeakerHistogram
    from shieldlab.scenario.model import Scenario

__all__ = [
    "EngineCurveCache",
    "EngineRuns",
    "EngineSource",
    "engine_curve",
    "load_engine_scenario",
]

FloatArray = NDArray[np.float64]

# Largest raid (threats) an engine search may grow to before giving up.
MAX_ENGINE_THREATS = 20_000


def load_engine_scenario(name_or_path: str) -> Scenario:
    """A scenario file by path, else a built-in by name (the CLI's SCENARIO convention)."""
    from shieldlab.scenario import scenario_by_name_or_path

    return scenario_by_name_or_path(name_or_path)


def engine_curve(
    scenario: Scenario,
    raid_sizes: Sequence[int],
    *,
    k: int = 1,
    interceptors: int | None = None,
    replications: int = 2_000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> PenetrationCurve:
    """Expected penetrating warheads and P(>= k) against raid size, from the engine (CRN).

    ``interceptors`` rescales the scenario's inventory (``None``: as written). The
    curve's ``p_at_least_k_ci95`` holds Wilson 95 % bounds. ``progress(done, total)`` is
    called after each raid size.
    """
    from shieldlab.montecarlo.studies import penetration_study

    sizes = [int(n) for n in raid_sizes]
    study = penetration_study(
        scenario,
        sizes,
        interceptors=None if interceptors is None else [int(interceptors)],
        replications=replications,
        seed=seed,
        progress=progress,
    )
    return PenetrationCurve(
        raid_missiles=np.asarray(sizes, dtype=np.int64),
        warheads_per_missile=1,
        decoys_per_missile=0.0,
        interceptors=interceptors,
        k=int(k),
        expected_penetrating=study.mean()[0],
        p_at_least_k=study.p_at_least(k)[0],
        source=f"engine ({replications} replications, seed {seed}, common random numbers, "
        f"doctrine {scenario.doctrine.assigner}/{scenario.doctrine.engagement_priority})",
        expected_ci95_half_width=study.half_width()[0],
        p_at_least_k_ci95=study.p_at_least_interval(k)[0],
    )


@dataclass(frozen=True, kw_only=True)
class EngineSource:
    """Where engine curves come from and how finely they are sampled.

    ``inventory_step`` = 1 computes a curve at every inventory asked for (no interpolation
    between defence sizes); ``raid_step`` = 1 simulates every raid size in the search.
    """

    scenario: Scenario
    replications: int = 300
    seed: int = 0
    raid_step: int = 25
    inventory_step: int = 50
    #: Called after each new engine run as ``progress(runs so far, interceptors, threats)``
    #: (a front end's progress display; not part of the source's identity).
    progress: Callable[[int, int, int], None] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.replications < 1:
            raise InputError(f"must be >= 1, got {self.replications}", field="--replications")
        if not 0 <= self.seed < 2**63:
            raise InputError(f"must be between 0 and 2**63 - 1, got {self.seed}", field="--seed")
        if self.raid_step < 1 or self.inventory_step < 1:
            raise InputError("raid_step and inventory_step must be >= 1", field="engine")


class EngineRuns:
    """Engine runs shared by every curve of one source: compiled raids, leaker histograms."""

    def __init__(self, source: EngineSource) -> None:
        from shieldlab.montecarlo.studies import CompiledRaids

        self.source = source
        self.raids: CompiledRaids = CompiledRaids(source.scenario)
        self._hist: dict[tuple[int, int], LeakerHistogram] = {}
        self.salvo = int(source.scenario.doctrine.salvo_size)

    def histogram(self, interceptors: int, n_threats: int) -> LeakerHistogram:
        """Lethal leakers of a raid of ``n_threats`` threats against ``interceptors``."""
        from shieldlab.montecarlo.studies import LeakerHistogram, leaker_histogram, with_inventory

        key = (int(interceptors), int(n_threats))
        hit = self._hist.get(key)
        if hit is None:
            if n_threats == 0:
                hit = LeakerHistogram(
                    counts=np.array([self.source.replications]), total=0.0, total_sq=0.0
                )
            else:
                cs = with_inventory(self.raids(int(n_threats)), int(interceptors))
                hit = leaker_histogram(
                    cs, replications=self.source.replications, seed=self.source.seed
                )
            self._hist[key] = hit
            if self.source.progress is not None:
                self.source.progress(len(self._hist), int(interceptors), int(n_threats))
        return hit

    @property
    def simulations(self) -> int:
        """(inventory, raid size) pairs simulated so far."""
        return len(self._hist)


def _surv_at(surv: FloatArray, x: FloatArray) -> FloatArray:
    """P(L >= x) for real x from surv[k] = P(L >= k)."""
    idx = np.clip(np.ceil(x - 1e-9), 0, surv.size - 1).astype(np.int64)
    return surv[idx]


class EngineCurveCache:
    """Engine-backed "missiles needed against I interceptors", once per defence size.

    Same interface as :class:`~shieldlab.stability.penetration.CurveCache`
    (``missiles_needed``, ``computed``); the method is the module docstring's.
    """

    def __init__(
        self,
        *,
        runs: EngineRuns,
        warheads_per_missile: int,
        requirement: Requirement,
    ) -> None:
        self.runs = runs
        self.warheads_per_missile = int(warheads_per_missile)
        self.requirement = requirement
        self._needed: dict[int, int] = {}
        self.computed = 0

    def _met(self, interceptors: int, n_threats: int) -> bool:
        h = self.runs.histogram(interceptors, n_threats)
        return bool(self.requirement.met(h.mean, h.p_at_least(self.requirement.warheads)))

    def needed_at(self, interceptors: int) -> int:
        """Missiles needed against exactly ``interceptors`` (one curve, kept)."""
        inv = int(interceptors)
        hit = self._needed.get(inv)
        if hit is not None:
            return hit
        step = self.runs.source.raid_step
        w = self.warheads_per_missile
        target = self.requirement.target_warheads
        # A first bracket from the inventory's salvo coverage; doubled until met.
        hi = max(1, math.ceil((inv / max(self.runs.salvo, 1) + target) / step) + 1)
        while not self._met(inv, hi * step):
            hi *= 2
            if hi * step > MAX_ENGINE_THREATS:
                raise InputError(
                    f"the requirement is not met by raids of up to {MAX_ENGINE_THREATS} "
                    f"threats against {inv} interceptors",
                    field="engine",
                )
        lo = 0  # grid index known (or taken) not to meet; 0 threats never meet K >= 1
        if self._met(inv, 0):
            self._needed[inv] = 0
            self.computed += 1
            return 0
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._met(inv, mid * step):
                hi = mid
            else:
                lo = mid
        t_a, t_b = lo * step, hi * step
        ha = self.runs.histogram(inv, t_a)
        hb = self.runs.histogram(inv, t_b)
        m = np.arange(t_a // w, -(-t_b // w) + 1, dtype=np.int64)
        m = m[(m * w > t_a) & (m * w <= t_b)]
        n_thr = (m * w).astype(np.float64)
        t = (n_thr - t_a) / (t_b - t_a)
        e_hat = ha.mean + t * (hb.mean - ha.mean)
        k = float(self.requirement.warheads)
        p_hat = (1.0 - t) * _surv_at(ha.survival(), k - (e_hat - ha.mean)) + t * _surv_at(
            hb.survival(), k + (hb.mean - e_hat)
        )
        ok = np.flatnonzero(self.requirement.met(e_hat, p_hat))
        need = int(m[ok[0]]) if ok.size else -(-t_b // w)
        self._needed[inv] = need
        self.computed += 1
        return need

    def missiles_needed(self, interceptors: int) -> int:
        """Missiles needed, interpolated linearly between defence sizes on the grid."""
        inv = int(interceptors)
        step = self.runs.source.inventory_step
        lo = (inv // step) * step
        n_lo = self.needed_at(lo)
        if lo == inv:
            return n_lo
        n_hi = max(n_lo, self.needed_at(lo + step))
        return math.ceil(n_lo + (inv - lo) / step * (n_hi - n_lo) - 1e-9)
