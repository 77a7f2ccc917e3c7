"""Scenario variants for studies, run with common random numbers.

Every random draw is keyed by (seed, replication, threat id, event kind, event index) and a
threat's id is (wave, index in its wave). Growing a raid by appending threats to its waves
therefore leaves every existing threat's draws unchanged: two raid sizes run with the
same seed are a paired comparison (common random numbers), and differences between them
have far less noise than independent runs would.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab._html import html_table
from shieldlab.core.stats import mean_interval, t_half_width, wilson_interval
from shieldlab.engine import CompiledScenario, compile_scenario, layout_of, run_replications
from shieldlab.errors import InputError
from shieldlab.montecarlo.display import num
from shieldlab.montecarlo.results import Metric, metric_cells
from shieldlab.montecarlo.runner import simulate
from shieldlab.scenario.model import MAX_THREATS, Raid, Scenario, Wave


def _resize_wave(wave: Wave, count: int) -> Wave:
    data = wave.model_dump()
    data["count"] = count
    # Launch points stay where the written wave puts them, whatever the new count
    # (engine.compiled.launch_point_offsets): threat k keeps its path.
    data["launch_pattern_count"] = wave.pattern_count
    if wave.times_s is not None:
        times = list(wave.times_s[:count])
        step = wave.times_s[-1] - wave.times_s[-2] if len(wave.times_s) > 1 else 0.0
        while len(times) < count:
            times.append(times[-1] + step if times else 0.0)
        data["times_s"] = times
    return Wave.model_validate(data)


def nested_wave_counts(counts: Sequence[int], n_threats: int) -> list[int]:
    """Threats per wave in a raid of ``n_threats``, nested: a raid of n + 1 is the raid of n
    plus one threat.

    Sainte-Laguë/Webster apportionment by sequential assignment (Balinski & Young 1982,
    *Fair Representation*, ch. 9 and appendix A): every wave first gets one threat, then
    each further threat goes to the wave with the largest ``count / (assigned + 1/2)``
    (ties to the earlier wave). Divisor methods are
    *house monotone* -- no wave ever shrinks as the raid grows, unlike the largest
    remainder method (the Alabama paradox) -- and at ``n_threats = sum(counts)`` the
    sequence gives exactly ``counts`` (a wave assigned past its count had priority
    below 1 while a wave short of its count had priority above 1).
    """
    c = [int(x) for x in counts]
    if n_threats > MAX_THREATS:
        # Checked before the loop, which runs once per threat (issue 21, item 9).
        raise InputError(
            f"a raid of {n_threats} threats is more than the limit of {MAX_THREATS:,}",
            field="raid_sizes",
        )
    if n_threats < len(c):
        raise InputError(
            f"a raid of {n_threats} threats cannot keep all {len(c)} waves", field="raid_sizes"
        )
    assigned = [1] * len(c)
    # Max-heap on c / (s + 1/2) = 2c / (2s + 1): key (-priority, wave index). Float keys
    # order exactly here: IEEE division is correctly rounded, so equal ratios give equal
    # keys, and two different ratios of integers up to MAX_THREATS differ by at least
    # 1 / (2 MAX_THREATS + 1)^2, far more than the rounding error.
    heap = [(-(2.0 * ci) / 3.0, i) for i, ci in enumerate(c)]
    heapq.heapify(heap)
    for _ in range(n_threats - len(c)):
        _, i = heapq.heappop(heap)
        assigned[i] += 1
        heapq.heappush(heap, (-(2.0 * c[i]) / (2 * assigned[i] + 1), i))
    return assigned


def scale_raid(scenario: Scenario, n_threats: int) -> Scenario:
    """The scenario with its raid resized to ``n_threats`` threats, mix kept, nested.

    Wave counts follow :func:`nested_wave_counts` (each wave keeps at least one threat;
    proportional to the written counts; exactly the written raid at its own size), and a
    wave grows by appending threats (launch times continue the wave's pattern, launch
    points keep the written wave's layout). So the raid of n threats is a subset of the
    raid of n + 1 -- same threat ids, launch times, launch points and aimpoints -- and
    every threat keeps its random draws: raid sizes run with one seed are a paired
    comparison (common random numbers).
    """
    waves = scenario.raid.waves
    counts = nested_wave_counts([w.count for w in waves], int(n_threats))
    raid = Raid(waves=[_resize_wave(w, c) for w, c in zip(waves, counts, strict=True)])
    return scenario.replace(raid=raid)


@dataclass(frozen=True, kw_only=True)
class PenetrationPoint:
    """Outcomes at one raid size."""

    raid_size: int
    leakers: Metric
    p_zero_leakers: Metric
    interceptors_fired: Metric
    leak_fraction: float


class PenetrationCurvePoints(list[PenetrationPoint]):
    """The points of :func:`penetration_curve`: a plain list that a notebook shows as a table."""

    def _repr_html_(self) -> str:
        return penetration_html(self)


def penetration_curve(
    scenario: Scenario,
    raid_sizes: list[int],
    *,
    replications: int = 2_000,
    seed: int = 0,
    workers: int = 1,
) -> PenetrationCurvePoints:
    """Leakers against raid size, every size run with the same seed (common random numbers)."""
    points = PenetrationCurvePoints()
    for size in raid_sizes:
        res = simulate(
            scale_raid(scenario, int(size)), replications=replications, seed=seed, workers=workers
        )
        leak = res.metrics["leakers"]
        points.append(
            PenetrationPoint(
                raid_size=int(size),
                leakers=leak,
                p_zero_leakers=res.metrics["p_zero_leakers"],
                interceptors_fired=res.metrics["interceptors_fired"],
                leak_fraction=leak.mean / max(res.n_lethal, 1),
            )
        )
    return points


# ---- engine penetration studies: the distribution of penetrating warheads ----------------

# Replications per kernel call when streaming rows into leaker histograms: bounds memory
# at BLOCK x n_columns floats whatever the replication count (rows are then discarded).
STUDY_BLOCK = 4_096


def with_inventory(cs: CompiledScenario, interceptors: int) -> CompiledScenario:
    """The compiled scenario with its defence holding ``interceptors`` rounds in total.

    Every weapon (battery x launcher group x interceptor type) gets a share of the total
    proportional to its original inventory (ready + reserve rounds; largest remainder,
    ties to the earlier weapon), all of it ready: no reloads, so the total is exactly what
    the defence can fire. Geometry, Pd tables and intercept tables do not depend on the
    inventory, so varying it needs no recompilation; random draws are keyed by threat and
    shot, not by weapon, so inventories run with one seed share their draws (common
    random numbers).
    """
    total = int(interceptors)
    if total < 0:
        raise InputError(f"must be >= 0, got {total}", field="interceptors")
    orig = (cs.weapon_ready + cs.weapon_reserve).astype(np.float64)
    if orig.sum() <= 0.0:
        weights = np.full(orig.shape, 1.0 / max(orig.size, 1))
    else:
        weights = orig / orig.sum()
    raw = weights * total
    share = np.floor(raw).astype(np.int64)
    short = total - int(share.sum())
    if short > 0:
        order = np.lexsort((np.arange(raw.size), -(raw - share)))
        share[order[:short]] += 1
    return dataclasses.replace(
        cs, weapon_ready=share, weapon_reserve=np.zeros_like(cs.weapon_reserve)
    )


@dataclass(frozen=True, kw_only=True)
class LeakerHistogram:
    """Distribution over replications of the number of penetrating lethal warheads."""

    counts: npt.NDArray[np.int64]  # counts[j]: replications with exactly j leakers
    total: float  # sum of leakers (for the mean)
    total_sq: float  # sum of squared leakers (for the variance)

    @property
    def replications(self) -> int:
        return int(self.counts.sum())

    @property
    def mean(self) -> float:
        return self.total / max(self.replications, 1)

    @property
    def half_width(self) -> float:
        """95 % Student t half-width of the mean."""
        n = self.replications
        if n < 2:
            return math.nan
        var = max(0.0, (self.total_sq - self.total * self.total / n) / (n - 1))
        return t_half_width(var, n)

    @property
    def variance(self) -> float:
        """Sample variance of the leakers over replications (ddof = 1)."""
        n = self.replications
        if n < 2:
            return math.nan
        return max(0.0, (self.total_sq - self.total * self.total / n) / (n - 1))

    def interval(self, upper: float | None = None) -> tuple[float, float]:
        """95 % interval of the mean inside [0, ``upper``] (``core.stats.mean_interval``)."""
        return mean_interval(self.mean, self.variance, self.replications, upper=upper)

    def survival(self) -> npt.NDArray[np.float64]:
        """surv[k] = P(at least k leakers), k = 0 .. max + 1 (surv[0] = 1)."""
        tail = np.cumsum(self.counts[::-1])[::-1]
        return np.concatenate([tail, [0]]).astype(np.float64) / max(self.replications, 1)

    def p_at_least(self, k: int) -> float:
        """P(at least k penetrate) (1 for k <= 0)."""
        surv = self.survival()
        return float(surv[min(max(int(k), 0), surv.size - 1)])

    def p_at_least_interval(self, k: int) -> tuple[float, float]:
        """95 % Wilson score interval on P(at least k penetrate)."""
        n = self.replications
        hits = int(self.counts[max(int(k), 0) :].sum())
        return wilson_interval(hits, n)


def leaker_histogram(
    cs: CompiledScenario, *, replications: int, seed: int, block: int = STUDY_BLOCK
) -> LeakerHistogram:
    """Run ``replications`` replications and histogram their lethal leakers.

    Streams blocks of ``block`` replications through :func:`engine.run_replications` and
    reduces each block with whole-array numpy (``bincount``); rows depend only on (seed,
    replication), so the histogram is the same for any ``block``.
    """
    if cs.assigner != "greedy":
        raise InputError(
            f"engine penetration studies need the compiled 'greedy' assigner, not '{cs.assigner}'",
            field="doctrine.assigner",
        )
    if replications < 1:
        raise InputError(f"must be >= 1, got {replications}", field="--replications")
    col = layout_of(cs).columns()["leakers"]
    counts = np.zeros(1, dtype=np.int64)
    total = 0.0
    total_sq = 0.0
    for first in range(0, replications, block):
        count = min(block, replications - first)
        leak = run_replications(cs, seed=seed, first=first, count=count)[:, col]
        li = np.rint(leak).astype(np.int64)
        bc = np.bincount(li)
        if bc.size > counts.size:
            counts = np.concatenate([counts, np.zeros(bc.size - counts.size, dtype=np.int64)])
        counts[: bc.size] += bc
        total += float(leak.sum())
        total_sq += float(np.dot(leak, leak))
    return LeakerHistogram(counts=counts, total=total, total_sq=total_sq)


class CompiledRaids:
    """Compiled scenarios of one raid resized to several sizes, each compiled once.

    Compilation (trajectories, Pd and intercept tables) is the costly step and does not
    depend on the defence's inventory (:func:`with_inventory`), so every inventory of a
    study reuses it.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._compiled: dict[int, CompiledScenario] = {}

    def __call__(self, n_threats: int) -> CompiledScenario:
        n = int(n_threats)
        hit = self._compiled.get(n)
        if hit is None:
            hit = compile_scenario(scale_raid(self.scenario, n))
            self._compiled[n] = hit
        return hit

    @property
    def compiled(self) -> int:
        return len(self._compiled)


@dataclass(frozen=True, kw_only=True)
class PenetrationStudy:
    """Leaker distributions over raid sizes (and inventories), common random numbers.

    ``histograms[i][j]``: inventory ``interceptors[i]`` (``None``: the scenario's own),
    raid of ``raid_sizes[j]`` threats.
    """

    raid_sizes: npt.NDArray[np.int64]
    interceptors: tuple[int | None, ...]
    histograms: tuple[tuple[LeakerHistogram, ...], ...]
    replications: int
    seed: int

    def _repr_html_(self) -> str:
        return penetration_study_html(self)

    def mean(self) -> npt.NDArray[np.float64]:
        """Mean penetrating warheads, shape (inventories, raid sizes)."""
        return np.array([[h.mean for h in row] for row in self.histograms])

    def half_width(self) -> npt.NDArray[np.float64]:
        """95 % Student t half-width of the mean, shape (inventories, raid sizes)."""
        return np.array([[h.half_width for h in row] for row in self.histograms])

    def interval(self) -> npt.NDArray[np.float64]:
        """95 % interval of the mean inside [0, raid size], shape (inventories, sizes, 2).

        Bounded by the raid size (every threat leaking): an upper bound on the lethal
        leakers whatever the raid mix (``core.stats.mean_interval``).
        """
        return np.array(
            [
                [h.interval(float(n)) for h, n in zip(row, self.raid_sizes, strict=True)]
                for row in self.histograms
            ]
        )

    def p_at_least(self, k: int) -> npt.NDArray[np.float64]:
        """P(at least k penetrate), shape (inventories, raid sizes)."""
        return np.array([[h.p_at_least(k) for h in row] for row in self.histograms])

    def p_at_least_interval(self, k: int) -> npt.NDArray[np.float64]:
        """Wilson 95 % bounds of P(at least k), shape (inventories, raid sizes, 2)."""
        return np.array([[h.p_at_least_interval(k) for h in row] for row in self.histograms])

    def to_xarray(self, k: Sequence[int] = (1,)) -> Any:
        """The study as an ``xarray.Dataset`` over (interceptors, raid_size).

        Variables: ``mean_leakers``, ``mean_leakers_ci95`` (with a ``bound`` dimension,
        lo/hi), ``std_leakers``, and ``p_at_least`` / ``p_at_least_ci95`` over a ``k``
        dimension (Wilson bounds). The ``interceptors`` coordinate is -1 where the
        scenario's own inventory was used. Needs xarray (``pip install 'shieldlab[store]'``).
        """
        from shieldlab._optional import require

        xr = require("xarray", feature="PenetrationStudy.to_xarray()")
        ks = [int(x) for x in k]
        inv = np.array([-1 if i is None else int(i) for i in self.interceptors], dtype=np.int64)
        std = np.sqrt(np.array([[h.variance for h in row] for row in self.histograms]))
        p = np.stack([self.p_at_least(x) for x in ks], axis=-1)
        p_ci = np.stack([self.p_at_least_interval(x) for x in ks], axis=-2)
        return xr.Dataset(
            {
                "mean_leakers": (("interceptors", "raid_size"), self.mean()),
                "mean_leakers_ci95": (("interceptors", "raid_size", "bound"), self.interval()),
                "std_leakers": (("interceptors", "raid_size"), std),
                "p_at_least": (("interceptors", "raid_size", "k"), p),
                "p_at_least_ci95": (("interceptors", "raid_size", "k", "bound"), p_ci),
            },
            coords={
                "interceptors": inv,
                "raid_size": np.asarray(self.raid_sizes, dtype=np.int64),
                "k": np.asarray(ks, dtype=np.int64),
                "bound": ["lo", "hi"],
            },
            attrs={
                "replications": int(self.replications),
                "seed": int(self.seed),
                "interval_mean": "Student t on the logit scale of leakers / raid size",
                "interval_p": "Wilson score",
            },
        )


def penetration_study(
    scenario: Scenario,
    raid_sizes: list[int],
    *,
    interceptors: list[int] | None = None,
    replications: int = 2_000,
    seed: int = 0,
    raids: CompiledRaids | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PenetrationStudy:
    """Distribution of penetrating lethal warheads for every raid size and inventory.

    Every (raid size, inventory) pair runs with the same seed: draws are keyed by
    (seed, replication, threat id, event), threat ids survive raid growth and inventories
    do not enter the keys, so all pairs share their draws (common random numbers, with
    the caveats of docs/stability.md: a wave with a launch-area radius re-spreads its
    launch points when its count changes). Each raid size is compiled once
    (``raids`` may be shared between studies). ``progress(done, total)`` is called after
    each (inventory, raid size) pair.
    """
    raids = CompiledRaids(scenario) if raids is None else raids
    invs: tuple[int | None, ...] = (None,) if interceptors is None else tuple(interceptors)
    sizes = np.asarray([int(n) for n in raid_sizes], dtype=np.int64)
    rows: list[tuple[LeakerHistogram, ...]] = []
    for inv in invs:
        row = []
        for n in sizes:
            cs = raids(int(n))
            if inv is not None:
                cs = with_inventory(cs, inv)
            row.append(leaker_histogram(cs, replications=replications, seed=seed))
            if progress is not None:
                progress(len(rows) * sizes.size + len(row), len(invs) * sizes.size)
        rows.append(tuple(row))
    return PenetrationStudy(
        raid_sizes=sizes,
        interceptors=invs,
        histograms=tuple(rows),
        replications=replications,
        seed=seed,
    )


def _with_interval(m: Metric) -> str:
    mean, ci = metric_cells(m)
    return f"{mean} {ci}".strip()


def penetration_html(points: Sequence[PenetrationPoint]) -> str:
    """A penetration curve (:func:`~shieldlab.montecarlo.penetration_curve`): one row per
    raid size, leakers, P(no leaker) and interceptors fired with their 95 % intervals."""
    header = (
        "raid size",
        "leakers [95 %]",
        "leak fraction",
        "P(no leaker) [95 %]",
        "interceptors fired [95 %]",
    )
    rows = [
        [
            f"{p.raid_size:,}",
            _with_interval(p.leakers),
            num(p.leak_fraction),
            _with_interval(p.p_zero_leakers),
            _with_interval(p.interceptors_fired),
        ]
        for p in points
    ]
    caption = (
        f"Penetration curve: {len(rows)} raid sizes "
        "(same seed at every size: common random numbers)"
    )
    return html_table(header, rows, caption=caption, right=(0, 1, 2, 3, 4))


def penetration_study_html(study: PenetrationStudy) -> str:
    """A penetration study: mean penetrating warheads [95 %] and P(at least 1), one row per
    (inventory, raid size)."""
    mean, ci = study.mean(), study.interval()
    p1, p1_ci = study.p_at_least(1), study.p_at_least_interval(1)
    rows = []
    for i, inv in enumerate(study.interceptors):
        for j, n in enumerate(study.raid_sizes):
            rows.append(
                [
                    "scenario's own" if inv is None else f"{inv:,}",
                    f"{int(n):,}",
                    f"{num(float(mean[i, j]))} [{num(float(ci[i, j, 0]))}, "
                    f"{num(float(ci[i, j, 1]))}]",
                    f"{num(float(p1[i, j]))} [{num(float(p1_ci[i, j, 0]))}, "
                    f"{num(float(p1_ci[i, j, 1]))}]",
                ]
            )
    caption = (
        f"Penetration study: {study.replications:,} replications per point, seed {study.seed} "
        "(common random numbers)"
    )
    header = ("interceptors", "raid size", "penetrating [95 %]", "P(at least 1) [95 % Wilson]")
    return html_table(header, rows, caption=caption, right=(0, 1, 2, 3))
