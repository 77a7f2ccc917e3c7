"""Run a batch of replications of a compiled scenario through the numba kernel."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab.engine.compiled import CompiledScenario
from shieldlab.engine.kernel import run_batch
from shieldlab.engine.outcomes import layout_of


def run_replications(
    cs: CompiledScenario, *, seed: int, first: int, count: int
) -> npt.NDArray[np.float64]:
    """Outcome rows (count, n_columns) of replications ``first .. first + count - 1``.

    Row k depends only on (scenario, seed, first + k): any split of a run into batches
    gives the same rows.
    """
    if seed < 0 or first < 0 or count < 0:
        raise ValueError("seed, first and count must be non-negative")
    return np.asarray(
        run_batch(seed, first, count, layout_of(cs).n_columns, *kernel_tables(cs)),
        dtype=np.float64,
    )


def kernel_tables(cs: CompiledScenario) -> tuple[Any, ...]:
    """The kernel's table arguments (``simulate_one`` after ``out`` and ``ev``), in order."""
    lay = layout_of(cs)
    return (
        cs.threat_rng_id,
        cs.threat_type,
        cs.threat_class,
        cs.threat_lethal,
        cs.threat_launch_s,
        cs.threat_impact_s,
        cs.threat_asset,
        cs.threat_value,
        cs.threat_speed_mps,
        cs.track_pos_noise_m,
        cs.track_vel_noise_mps,
        cs.radar_battery,
        cs.radar_scan_s,
        cs.radar_capacity,
        cs.det_off,
        cs.det_s0,
        cs.det_n,
        cs.det_pd,
        cs.track_m,
        cs.track_n,
        cs.weapon_battery,
        cs.weapon_type,
        cs.weapon_ready,
        cs.weapon_reserve,
        cs.weapon_load,
        cs.weapon_reload_s,
        cs.pk,
        cs.interceptor_cost_usd,
        cs.battery_max_targets,
        cs.battery_max_guided,
        cs.cycle_s,
        cs.n_cycles,
        cs.it_c0,
        cs.it_nc,
        cs.it_off,
        cs.it_time,
        cs.it_any,
        cs.it_plan,
        cs.it_last,
        cs.wake_ptr,
        cs.wake_threat,
        cs.loss_c,
        cs.loss_ptr,
        cs.loss_list,
        cs.impact_order,
        cs.salvo_size,
        cs.shoot_look_shoot,
        cs.max_engagements,
        cs.priority,
        cs.centralised,
        len(lay.asset_names),
        lay.n_types,
        np.asarray(lay.type_layer, dtype=np.int64),
        len(lay.layers),
    )


def kernel_cached() -> bool | None:
    """Whether numba's on-disk cache holds a compiled kernel for this source (None: unknown).

    A front end uses it to say "compiling (first run only)" instead of a frozen progress
    bar. It reads numba's cache index (private API: ``Dispatcher._cache``), which is
    empty when the kernel's source changed since it was cached; any failure is "unknown".
    """
    try:
        cache: Any = getattr(run_batch, "_cache")  # noqa: B009 - private numba attribute
        return bool(cache._cache_file._load_index())
    except Exception:  # best effort: a label, never an error
        return None
