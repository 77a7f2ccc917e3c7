"""Restraint regimes: caps on interceptors, launchers and warheads per launcher.

For one set of caps (applied to both sides) :func:`evaluate_caps` reports where the
action-reaction race settles under the caps (:mod:`shieldlab.stability.race`), the
first-strike stability index of the settled forces (:mod:`shieldlab.stability.first_strike`),
and the missiles each side needs if the other fills its interceptor cap. A cap set is
*stable* when the race converges, both deterrents hold at the settled forces, and the
index is at least the posture's threshold. :func:`restraint_map` evaluates a grid over two
caps; the curve caches are shared by every cell, so each defence size's penetration curve
is computed once for the whole map.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from shieldlab.stability.first_strike import SideForces, posture_stability
from shieldlab.stability.posture import SIDE_PAIRS, CapName, Posture, SideName
from shieldlab.stability.race import RaceCaches, action_reaction

__all__ = ["Caps", "RestraintCell", "RestraintMap", "evaluate_caps", "restraint_map"]


@dataclass(frozen=True, kw_only=True)
class Caps:
    """Ceilings that bind both sides (``None``: no cap)."""

    interceptors: int | None = None
    launchers: int | None = None
    warheads_per_launcher: int | None = None

    def with_cap(self, name: CapName, value: int) -> Caps:
        """A copy with one cap set."""
        return replace(self, **{name: int(value)})


@dataclass(frozen=True, kw_only=True)
class RestraintCell:
    """The outcome of one cap set."""

    caps: Caps
    stability_index: float
    blue_needed_vs_cap: int
    red_needed_vs_cap: int
    settled: dict[str, int]
    race_converged: bool
    blue_deterrent_holds: bool
    red_deterrent_holds: bool
    stable: bool

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def _side_at(
    posture: Posture, side: SideName, launchers: int, interceptors: int, w_cap: int | None
) -> SideForces:
    f = SideForces.from_posture(posture.side(side))
    w = f.warheads_per_launcher if w_cap is None else max(1.0, min(f.warheads_per_launcher, w_cap))
    return replace(
        f, launchers=float(launchers), interceptors=float(interceptors), warheads_per_launcher=w
    )


def evaluate_caps(
    posture: Posture, caps: Caps, *, caches: RaceCaches | None = None, threshold: float = 0.5
) -> RestraintCell:
    """Race, stability index and forces needed under ``caps`` (module docstring)."""
    caches = RaceCaches(posture) if caches is None else caches
    race = action_reaction(
        posture,
        launcher_cap=caps.launchers,
        interceptor_cap=caps.interceptors,
        warhead_cap=caps.warheads_per_launcher,
        caches=caches,
    )
    settled = race.final()
    blue, red = (
        _side_at(
            posture,
            s,
            settled[f"{s}_missiles"],
            settled[f"{s}_interceptors"],
            caps.warheads_per_launcher,
        )
        for s in ("blue", "red")
    )
    fsi = posture_stability(posture, blue=blue, red=red).index
    needed = {}
    forces = {"blue": blue, "red": red}
    for s, o in SIDE_PAIRS:
        cap_i = posture.side(o).race.max_interceptors
        if caps.interceptors is not None:
            cap_i = min(cap_i, caps.interceptors)
        needed[s] = caches.cache(s, int(forces[s].warheads_per_launcher)).missiles_needed(cap_i)
    stable = bool(
        race.converged
        and race.blue_deterrent_holds
        and race.red_deterrent_holds
        and fsi >= threshold
    )
    return RestraintCell(
        caps=caps,
        stability_index=fsi,
        blue_needed_vs_cap=needed["blue"],
        red_needed_vs_cap=needed["red"],
        settled=settled,
        race_converged=race.converged,
        blue_deterrent_holds=race.blue_deterrent_holds,
        red_deterrent_holds=race.red_deterrent_holds,
        stable=stable,
    )


@dataclass(frozen=True, kw_only=True)
class RestraintMap:
    """A grid over two caps: index, stability and settled forces per cell ([y, x] arrays)."""

    x_cap: str
    x_values: NDArray[np.int64]
    y_cap: str
    y_values: NDArray[np.int64]
    stability_index: NDArray[np.float64]
    stable: NDArray[np.bool_]
    race_converged: NDArray[np.bool_]
    both_deterrents_hold: NDArray[np.bool_]
    blue_deterrent_holds: NDArray[np.bool_]
    red_deterrent_holds: NDArray[np.bool_]
    blue_missiles: NDArray[np.int64]
    red_missiles: NDArray[np.int64]
    blue_interceptors: NDArray[np.int64]
    red_interceptors: NDArray[np.int64]
    blue_needed_vs_cap: NDArray[np.int64]
    red_needed_vs_cap: NDArray[np.int64]
    threshold: float
    curves_computed: int

    def failing(self, names: dict[str, str] | None = None) -> dict[str, NDArray[np.bool_]]:
        """For each condition of stability, the ``[y, x]`` cells where it fails.

        "X's deterrent fails": X's missiles do not meet X's retaliation requirement against
        the other's (capped) defence, so the other side is not deterred by X.
        """
        who = names or {"blue": "blue", "red": "red"}
        return {
            "race does not settle": ~self.race_converged,
            f"{who['blue']}'s deterrent fails": ~self.blue_deterrent_holds,
            f"{who['red']}'s deterrent fails": ~self.red_deterrent_holds,
            "index below threshold": self.stability_index < self.threshold,
        }

    def condition_notes(self, names: dict[str, str] | None = None) -> list[str]:
        """One line per condition: how many cap pairs it makes unstable, or that it never
        binds on this map (with the lowest index, for the first-strike test)."""
        n = self.stable.size
        out = []
        for what, bad in self.failing(names).items():
            k = int(bad.sum())
            if what == "index below threshold":
                lo = float(np.min(self.stability_index))
                what = (
                    f"first-strike test (index >= {self.threshold:g}; lowest index on the "
                    f"map {lo:.3f})"
                )
            if k == 0:
                out.append(f"{what}: never binds on this map (fails in none of {n} cap pairs)")
            else:
                out.append(f"{what}: fails in {k} of {n} cap pairs")
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "x_cap": self.x_cap,
            "x_values": self.x_values.tolist(),
            "y_cap": self.y_cap,
            "y_values": self.y_values.tolist(),
            "threshold": self.threshold,
            "stability_index": self.stability_index.tolist(),
            "stable": self.stable.tolist(),
            "race_converged": self.race_converged.tolist(),
            "both_deterrents_hold": self.both_deterrents_hold.tolist(),
            "blue_deterrent_holds": self.blue_deterrent_holds.tolist(),
            "red_deterrent_holds": self.red_deterrent_holds.tolist(),
            "blue_missiles": self.blue_missiles.tolist(),
            "red_missiles": self.red_missiles.tolist(),
            "blue_interceptors": self.blue_interceptors.tolist(),
            "red_interceptors": self.red_interceptors.tolist(),
            "blue_needed_vs_cap": self.blue_needed_vs_cap.tolist(),
            "red_needed_vs_cap": self.red_needed_vs_cap.tolist(),
            "curves_computed": self.curves_computed,
            "conditions": self.condition_notes(),
        }


def restraint_map(
    posture: Posture,
    *,
    x_cap: CapName,
    x_values: list[int] | NDArray[np.int64],
    y_cap: CapName,
    y_values: list[int] | NDArray[np.int64],
    base: Caps | None = None,
    threshold: float = 0.5,
    caches: RaceCaches | None = None,
) -> RestraintMap:
    """Evaluate every (x, y) cap pair; one shared :class:`RaceCaches` serves all cells."""
    if x_cap == y_cap:
        raise ValueError("the two caps must differ")
    caches = RaceCaches(posture) if caches is None else caches
    base = Caps() if base is None else base
    xs = np.asarray(x_values, dtype=np.int64)
    ys = np.asarray(y_values, dtype=np.int64)
    shape = (ys.size, xs.size)
    fsi = np.empty(shape)
    stable = np.empty(shape, dtype=bool)
    conv = np.empty(shape, dtype=bool)
    det = np.empty(shape, dtype=bool)
    det_b = np.empty(shape, dtype=bool)
    det_r = np.empty(shape, dtype=bool)
    forces = {
        k: np.empty(shape, dtype=np.int64)
        for k in ("blue_missiles", "red_missiles", "blue_interceptors", "red_interceptors")
    }
    needed = {
        k: np.empty(shape, dtype=np.int64) for k in ("blue_needed_vs_cap", "red_needed_vs_cap")
    }
    for iy, yv in enumerate(ys):
        for ix, xv in enumerate(xs):
            caps = base.with_cap(x_cap, int(xv)).with_cap(y_cap, int(yv))
            cell = evaluate_caps(posture, caps, caches=caches, threshold=threshold)
            fsi[iy, ix] = cell.stability_index
            stable[iy, ix] = cell.stable
            conv[iy, ix] = cell.race_converged
            det[iy, ix] = cell.blue_deterrent_holds and cell.red_deterrent_holds
            det_b[iy, ix] = cell.blue_deterrent_holds
            det_r[iy, ix] = cell.red_deterrent_holds
            for k, arr in forces.items():
                arr[iy, ix] = cell.settled[k]
            needed["blue_needed_vs_cap"][iy, ix] = cell.blue_needed_vs_cap
            needed["red_needed_vs_cap"][iy, ix] = cell.red_needed_vs_cap
    return RestraintMap(
        x_cap=x_cap,
        x_values=xs,
        y_cap=y_cap,
        y_values=ys,
        stability_index=fsi,
        stable=stable,
        race_converged=conv,
        both_deterrents_hold=det,
        blue_deterrent_holds=det_b,
        red_deterrent_holds=det_r,
        threshold=threshold,
        curves_computed=caches.curves_computed,
        **forces,
        **needed,
    )
