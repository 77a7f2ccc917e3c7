"""Scenario variants for studies, run with common random numbers.

Every random draw is keyed by (seed, replication, threat id, event kind, event index) and a
threat's id is (wave, index in its wave). Growing a raid by appending threats to its waves
therefore leaves every existing threat's draws unchanged: two raid sizes run with the
same seed are a paired comparison (common random numbers), and differences between them
have far less noise than independent runs would.
"""

from __future__ import annotations

from dataclasses import dataclass

from shieldlab.errors import InputError
from shieldlab.montecarlo.results import Metric
from shieldlab.montecarlo.runner import simulate
from shieldlab.scenario.model import Raid, Scenario, Wave


def _resize_wave(wave: Wave, count: int) -> Wave:
    data = wave.model_dump()
    data["count"] = count
    if wave.times_s is not None:
        times = list(wave.times_s[:count])
        step = wave.times_s[-1] - wave.times_s[-2] if len(wave.times_s) > 1 else 0.0
        while len(times) < count:
            times.append(times[-1] + step if times else 0.0)
        data["times_s"] = times
    return Wave.model_validate(data)


def scale_raid(scenario: Scenario, n_threats: int) -> Scenario:
    """The scenario with its raid resized to ``n_threats`` threats, mix kept.

    Wave counts are scaled in proportion to the original counts (largest remainder), each
    keeping at least one threat; threats are added at the end of each wave (launch times
    continue the wave's pattern), so existing threats keep their random draws.
    """
    waves = scenario.raid.waves
    if n_threats < len(waves):
        raise InputError(
            f"a raid of {n_threats} threats cannot keep all {len(waves)} waves",
            field="raid_sizes",
        )
    total = sum(w.count for w in waves)
    shares = [n_threats * w.count / total for w in waves]
    counts = [max(1, int(s)) for s in shares]
    order = sorted(range(len(waves)), key=lambda k: (-(shares[k] - int(shares[k])), k))
    k = 0
    while sum(counts) < n_threats:
        counts[order[k % len(order)]] += 1
        k += 1
    k = 0
    while sum(counts) > n_threats:
        j = order[-1 - (k % len(order))]
        if counts[j] > 1:
            counts[j] -= 1
        k += 1
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


def penetration_curve(
    scenario: Scenario,
    raid_sizes: list[int],
    *,
    replications: int = 2_000,
    seed: int = 0,
    workers: int = 1,
) -> list[PenetrationPoint]:
    """Leakers against raid size, every size run with the same seed (common random numbers)."""
    points: list[PenetrationPoint] = []
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
