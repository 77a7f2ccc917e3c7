"""How much memory a scenario needs, estimated before any table is built (issue 21, item 12).

The compiled scenario (:mod:`shieldlab.engine.compiled`) grows with the raid: its largest
tables are the intercept tables (one row per threat and decision cycle in flight, one
column per weapon: ``it_time``, ``it_launch``, ``it_plan`` and their working copies) and
the trajectory samples (one per threat and second of flight, with the per-battery ranges
and masks computed over them). Before this estimate a raid of 20,000 threats on
four-batteries ran for a minute and died with ``MemoryError`` at 7.6 GB.

:func:`estimate` flies one threat per wave and aimpoint (the others of a wave differ only
by their launch point's offset of a few km), scales by the wave's count, and prices

- ``BYTES_PER_ENTRY`` per (decision-cycle row x weapon) entry, and
- ``BYTES_PER_SAMPLE + BYTES_PER_SAMPLE_BATTERY x batteries`` per trajectory sample,

constants read off the peak traced allocations (``tracemalloc``) of compiling and running
four-batteries raids of 500 and 1,000 threats: 325 MB and 632 MB measured, 325 MB and
650 MB estimated; ``tests/engine/test_memory.py`` checks the estimate against the measured
peak of other scenarios. :func:`check` refuses (exit 2, with the figures) a scenario whose
estimate exceeds the memory available (``MemAvailable`` in ``/proc/meminfo``, or
``SHIELDLAB_MEMORY_LIMIT_MB``), and logs a warning above half of it.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

from shieldlab.engine.tracks import wave_threat_track
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = ["MemoryEstimate", "available_bytes", "check", "estimate"]

log = logging.getLogger(__name__)

BYTES_PER_ENTRY = 70.0
BYTES_PER_SAMPLE = 96.0
BYTES_PER_SAMPLE_BATTERY = 24.0
#: Below this the estimate is not worth a look (the interpreter, numba and the kernel).
_FLOOR = 64 * 2**20


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimated peak memory of compiling and running a scenario, and its parts."""

    threats: int
    weapons: int
    rows: int  # decision-cycle rows of the intercept tables (threats x cycles in flight)
    samples: int  # trajectory samples
    bytes: int

    def describe(self) -> str:
        return (
            f"{self.threats:,} threats need about {_gb(self.bytes)} "
            f"({self.rows:,} decision-cycle rows x {self.weapons} weapons in the intercept "
            f"tables, {self.samples:,} trajectory samples)"
        )


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def estimate(scenario: Scenario, *, dt_traj_s: float = 1.0) -> MemoryEstimate:
    """Estimate the peak memory of ``compile_scenario`` and a run (module docstring)."""
    sc = scenario
    cycle_s = float(sc.doctrine.decision_cycle_s)
    n_w = sum(len(launcher.loadout) for bat in sc.batteries for launcher in bat.launchers)
    rows = 0.0
    samples = 0.0
    threats = 0
    for wave in sc.raid.waves:
        tt = sc.threat_types[sc.threat_type_index(wave.threat)]
        lat = math.radians(wave.launch_area.lat_deg)
        lon = math.radians(wave.launch_area.lon_deg)
        route_lat = [math.radians(p.lat_deg) for p in wave.waypoints]
        route_lon = [math.radians(p.lon_deg) for p in wave.waypoints]
        aims = list(wave.aimpoints)[: wave.count]
        n_s, n_c = 0.0, 0.0
        for name in aims:
            ap = sc.assets[sc.asset_index(name)].position
            tr = wave_threat_track(tt, lat, lon, route_lat, route_lon, ap, dt_traj_s)
            n_s += tr.t_s.size
            n_c += tr.flight_time_s / cycle_s + 1.0
        samples += wave.count * n_s / len(aims)
        rows += wave.count * n_c / len(aims)
        threats += wave.count
    per_sample = BYTES_PER_SAMPLE + BYTES_PER_SAMPLE_BATTERY * len(sc.batteries)
    total = BYTES_PER_ENTRY * rows * n_w + per_sample * samples
    return MemoryEstimate(
        threats=threats, weapons=n_w, rows=int(rows), samples=int(samples), bytes=int(total)
    )


def available_bytes() -> int | None:
    """Memory this process may still use: ``SHIELDLAB_MEMORY_LIMIT_MB``, else MemAvailable."""
    raw = os.environ.get("SHIELDLAB_MEMORY_LIMIT_MB", "").strip()
    if raw:
        try:
            mb = float(raw)
        except ValueError:
            raise InputError(
                f"SHIELDLAB_MEMORY_LIMIT_MB must be a number of megabytes, got {raw!r}"
            ) from None
        if not mb > 0:
            raise InputError(f"SHIELDLAB_MEMORY_LIMIT_MB must be positive, got {raw!r}")
        return int(mb * 2**20)
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return None
    return None  # pragma: no cover - an old kernel


def check(scenario: Scenario, *, dt_traj_s: float = 1.0) -> MemoryEstimate:
    """Refuse (InputError, field ``raid``) a scenario that would not fit in memory.

    Returns the estimate. Above half the available memory a warning is logged (the run
    may still fit, but other programs and a second worker compete for the rest).
    """
    est = estimate(scenario, dt_traj_s=dt_traj_s)
    if est.bytes < _FLOOR:
        return est
    avail = available_bytes()
    if avail is None:
        return est
    if est.bytes > avail:
        raise InputError(
            f"{est.describe()}; {_gb(avail)} are available: use a smaller raid (raid.size, "
            "fewer threats per wave) or a machine with more memory "
            "(SHIELDLAB_MEMORY_LIMIT_MB sets the limit)",
            field="raid",
        )
    if est.bytes > avail / 2:
        log.warning("%s, more than half of the %s available", est.describe(), _gb(avail))
    return est
