"""What leaks and what stops it, per replication: outcomes by threat class, wave, weapon.

The kernel's outcome row (``engine.outcomes``) holds totals. :func:`run_breakdown` runs the
same compiled ``simulate_one`` as a normal run, specialised for a trace buffer as
``engine.trace`` does (same key, draws and decisions: the kernel's columns are bit for bit
those of ``run_batch``), and reduces each replication's events -- launches, kills, leaks,
reloads -- into extra columns appended to the row (:class:`BreakdownLayout`):

* ``consumed_raid_cost_usd``: what the raid expended -- every missile and decoy launched
  plus the aircraft shot down (an aircraft that survives flies home: it is reusable and
  not counted); ``aircraft_lost``; ``rounds_on_decoys`` (rounds fired at non-lethal
  threats);
* kills and leakers by threat class and by wave;
* rounds fired and kills by interceptor type x threat class;
* each battery's magazine at the end: rounds left (ready + reserve) and reloads done.

No kernel code changes: the reduction reads the events the kernel already records
(docs/viz.md lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from shieldlab.core.rng import rep_key
from shieldlab.engine.batch import kernel_tables
from shieldlab.engine.compiled import WAVE_ID_SHIFT, CompiledScenario
from shieldlab.engine.kernel import EV_KILL, EV_LAUNCH, EV_LEAK, EV_RELOAD, simulate_one
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario.model import THREAT_CLASSES

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: What ``consumed_raid_cost_usd`` counts (reported with the results).
COST_BASIS = (
    "consumed raid cost: every missile and decoy launched, plus the aircraft shot down "
    "(surviving aircraft are reusable and not counted)"
)

# Fixed breakdown columns, offsets after the kernel's columns.
B_CONSUMED = 0
B_AIRCRAFT_LOST = 1
B_ROUNDS_ON_DECOYS = 2
B_COST_X_CONSUMED = 3  # interceptor cost x consumed raid cost: the ratio's covariance
N_B_FIXED = 4
_AIRCRAFT = THREAT_CLASSES.index("aircraft")


@dataclass(frozen=True, kw_only=True)
class BreakdownLayout:
    """Names and column offsets (after the kernel's ``n_base`` columns) of the breakdown."""

    n_base: int
    classes: tuple[str, ...]  # threat classes present in the raid, THREAT_CLASSES order
    waves: tuple[str, ...]
    types: tuple[str, ...]
    batteries: tuple[str, ...]

    @property
    def n_columns(self) -> int:
        c, w, t, b = len(self.classes), len(self.waves), len(self.types), len(self.batteries)
        return N_B_FIXED + 2 * c + 2 * w + 2 * t * c + 2 * b

    def columns(self) -> dict[str, int]:
        """Absolute column of each breakdown outcome in an extended row."""
        cols = {
            "consumed_raid_cost_usd": B_CONSUMED,
            "aircraft_lost": B_AIRCRAFT_LOST,
            "rounds_on_decoys": B_ROUNDS_ON_DECOYS,
            "cost_x_consumed": B_COST_X_CONSUMED,
        }
        names: list[str] = []
        names += [f"kills_by_class.{c}" for c in self.classes]
        names += [f"leakers_by_class.{c}" for c in self.classes]
        names += [f"kills_by_wave.{w}" for w in self.waves]
        names += [f"leakers_by_wave.{w}" for w in self.waves]
        names += [f"fired.{t}.{c}" for t in self.types for c in self.classes]
        names += [f"kills.{t}.{c}" for t in self.types for c in self.classes]
        names += [f"rounds_left.{b}" for b in self.batteries]
        names += [f"reloads.{b}" for b in self.batteries]
        cols.update({n: N_B_FIXED + k for k, n in enumerate(names)})
        return {k: self.n_base + v for k, v in cols.items()}


def wave_of(cs: CompiledScenario) -> I64:
    """Wave index of each threat (from its random-key id)."""
    return np.asarray(cs.threat_rng_id >> WAVE_ID_SHIFT, dtype=np.int64)


def breakdown_layout(cs: CompiledScenario, wave_names: tuple[str, ...] = ()) -> BreakdownLayout:
    """The breakdown of ``cs``; waves are named ``wave_names`` or ``wave1``, ``wave2``..."""
    present = set(int(k) for k in cs.threat_class)
    n_waves = int(wave_of(cs).max()) + 1 if cs.n_threats else 0
    names = tuple(wave_names) if len(wave_names) == n_waves else ()
    return BreakdownLayout(
        n_base=layout_of(cs).n_columns,
        classes=tuple(c for k, c in enumerate(THREAT_CLASSES) if k in present),
        waves=names or tuple(f"wave{w + 1}" for w in range(n_waves)),
        types=cs.interceptor_names,
        batteries=cs.battery_names,
    )


@njit(cache=True)
def _reduce(
    ev_i: I64,
    n_ev: int,
    row: F64,
    base: int,
    cls: I64,
    wave: I64,
    lethal: npt.NDArray[np.bool_],
    cost: F64,
    raw_class: I64,
    weapon_type: I64,
    weapon_battery: I64,
    magazine0: I64,
    n_c: int,
    n_w: int,
    n_t: int,
    n_b: int,
    cost_col: int,
) -> None:
    """Add one replication's events (``ev_i[:n_ev]``: kind, threat, unit, aux) to ``row``."""
    o_kc = base + N_B_FIXED
    o_lc = o_kc + n_c
    o_kw = o_lc + n_c
    o_lw = o_kw + n_w
    o_ft = o_lw + n_w
    o_kt = o_ft + n_t * n_c
    o_rl = o_kt + n_t * n_c
    o_re = o_rl + n_b
    consumed = 0.0
    for i in range(cls.shape[0]):
        if raw_class[i] != _AIRCRAFT:
            consumed += cost[i]
    for b in range(n_b):
        row[o_rl + b] = magazine0[b]
    for k in range(n_ev):
        kind = ev_i[k, 0]
        i = ev_i[k, 1]
        unit = ev_i[k, 2]
        aux = ev_i[k, 3]
        if kind == EV_LAUNCH:
            row[o_ft + weapon_type[unit] * n_c + cls[i]] += aux
            row[o_rl + weapon_battery[unit]] -= aux
            if not lethal[i]:
                row[base + B_ROUNDS_ON_DECOYS] += aux
        elif kind == EV_KILL:
            row[o_kc + cls[i]] += 1
            row[o_kw + wave[i]] += 1
            row[o_kt + weapon_type[unit] * n_c + cls[i]] += 1
            if raw_class[i] == _AIRCRAFT:
                row[base + B_AIRCRAFT_LOST] += 1
                consumed += cost[i]
        elif kind == EV_LEAK:
            row[o_lc + cls[i]] += 1
            row[o_lw + wave[i]] += 1
        elif kind == EV_RELOAD:
            row[o_re + weapon_battery[unit]] += 1
    row[base + B_CONSUMED] = consumed
    row[base + B_COST_X_CONSUMED] = row[cost_col] * consumed


@njit(cache=True)
def _run(
    seed: int,
    rep0: int,
    n_rep: int,
    n_base: int,
    n_extra: int,
    cap: int,
    maps: Any,
    tables: Any,
) -> F64:
    out = np.zeros((n_rep, n_base + n_extra), dtype=np.float64)
    ev_i = np.zeros((cap, 4), dtype=np.int64)
    ev_t = np.zeros((cap, 2), dtype=np.float64)
    ev_n = np.zeros(1, dtype=np.int64)
    row = np.zeros(n_base, dtype=np.float64)
    for k in range(n_rep):
        ev_n[0] = 0
        row[:] = 0.0
        simulate_one(rep_key(seed, rep0 + k), row, (ev_i, ev_t, ev_n), *tables)
        out[k, :n_base] = row
        _reduce(ev_i, ev_n[0], out[k], n_base, *maps)
    return out


def _maps(cs: CompiledScenario, lay: BreakdownLayout) -> tuple[Any, ...]:
    cls_index = {THREAT_CLASSES.index(c): j for j, c in enumerate(lay.classes)}
    cls = np.asarray([cls_index[int(k)] for k in cs.threat_class], dtype=np.int64)
    magazine0 = np.zeros(len(lay.batteries), dtype=np.int64)
    np.add.at(magazine0, cs.weapon_battery, cs.weapon_ready + cs.weapon_reserve)
    return (
        cls,
        wave_of(cs),
        np.asarray(cs.threat_lethal, dtype=np.bool_),
        np.asarray(cs.threat_cost_usd, dtype=np.float64),
        np.asarray(cs.threat_class, dtype=np.int64),
        np.asarray(cs.weapon_type, dtype=np.int64),
        np.asarray(cs.weapon_battery, dtype=np.int64),
        magazine0,
        len(lay.classes),
        len(lay.waves),
        len(lay.types),
        len(lay.batteries),
        layout_of(cs).columns()["interceptor_cost_usd"],
    )


def run_breakdown(cs: CompiledScenario, *, seed: int, first: int, count: int) -> F64:
    """Rows (count, kernel columns + breakdown columns) of replications ``first ..``.

    The first ``layout_of(cs).n_columns`` columns equal ``run_replications``'s rows; row k
    depends only on (scenario, seed, first + k).
    """
    from shieldlab.engine.trace import event_capacity

    if seed < 0 or first < 0 or count < 0:
        raise ValueError("seed, first and count must be non-negative")
    lay = breakdown_layout(cs)
    return np.asarray(
        _run(
            seed,
            first,
            count,
            lay.n_base,
            lay.n_columns,
            event_capacity(cs),
            _maps(cs, lay),
            kernel_tables(cs),
        ),
        dtype=np.float64,
    )
