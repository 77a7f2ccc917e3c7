"""The weapon-assignment interface of the Python engine path.

Every decision cycle, each C2 node (all batteries when centralised, one battery when
autonomous) hands an :class:`AssignmentProblem` -- the threats it tracks that may be
engaged now, the weapons it commands, which (threat, weapon) pairs are feasible and with
what kill probability, the free fire-control channels -- to a :class:`WeaponAssigner`,
which returns the salvos to fire, in firing order. The engine checks every salvo against
the limits and applies them.

The compiled kernel has the greedy assigner built in (``c2.greedy`` is the same rule in
Python). Other assigners -- optimal ones from ``shieldlab.wta`` -- plug in here and run on
the Python path (``engine.oracle``), which says so and is slower.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B8 = npt.NDArray[np.bool_]

PRIORITY_TIME_TO_IMPACT = 0
PRIORITY_ASSET_VALUE = 1
PRIORITY_LAYERED = 2


@dataclass(frozen=True, kw_only=True)
class AssignmentProblem:
    """What a C2 node knows when it assigns salvos at one decision time.

    Threat arrays have length m (threats this node tracks and could engage), weapon
    arrays length n (weapons = battery x launcher group x interceptor type it commands);
    ``pk[a, b]`` is SSPK x reliability of one interceptor of weapon b on threat a and
    ``intercept_s[a, b]`` the intercept time of a salvo fired now (-1 when infeasible).
    """

    time_s: float
    threat: I64  # engine threat index of each row
    threat_value: F64  # value of the asset the threat aims at
    impact_s: F64  # time the threat reaches its aimpoint
    survive: F64  # node's belief that the threat is still alive (1 - salvos not yet assessed)
    salvos_left: I64  # salvos the threat may still receive now (doctrine)
    weapon: I64  # engine weapon index of each column
    weapon_battery: I64  # battery index of each weapon
    ready: I64  # rounds ready on launchers
    pk: F64  # (m, n)
    intercept_s: F64  # (m, n)
    battery_free_targets: I64  # per battery (indexed by battery index)
    battery_free_guided: I64
    battery_engaging: B8  # (n_batteries, m): battery already guides rounds at this threat
    salvo_size: int
    priority: int  # PRIORITY_TIME_TO_IMPACT, PRIORITY_ASSET_VALUE or PRIORITY_LAYERED
    # With shoot-look-shoot: engagements each threat can still receive, this one included
    # (salvo, kill assessment at intercept, next salvo, ... while some weapon of the node
    # can still intercept it, capped by the doctrine's engagements per threat); None
    # without shoot-look-shoot. Assigners that plan for later looks use it (c2.wta_assigners).
    looks_left: I64 | None = None
    # Channels of each battery in all (free + busy), for assigners that price channel time
    # (c2.wta_assigners); None: unknown, taken as the free ones (nothing busy).
    battery_max_targets: I64 | None = None
    battery_max_guided: I64 | None = None
    # (m, n) pairs the ``layered`` doctrine holds fire on this cycle (waiting, or another
    # weapon, does better with the rounds and channels at hand; engine.oracle.hold_mask); None:
    # nothing held. The greedy assigner skips them; other assigners may ignore them.
    hold: B8 | None = None


@dataclass(frozen=True, kw_only=True)
class Salvo:
    """Fire ``rounds`` interceptors of weapon column ``weapon`` at threat row ``threat``."""

    threat: int
    weapon: int
    rounds: int


def salvo_pk(pk: float, rounds: int) -> float:
    """Kill probability of a salvo: 1 - (1 - pk)^rounds (independent shots).

    Computed by repeated multiplication so the compiled kernel and Python agree bit for bit.
    """
    q = 1.0
    for _ in range(rounds):
        q *= 1.0 - pk
    return 1.0 - q


class WeaponAssigner(abc.ABC):
    """Chooses salvos for one C2 node at one decision time."""

    #: short name used in ``doctrine.assigner``
    name: str = ""

    @abc.abstractmethod
    def assign(self, problem: AssignmentProblem) -> list[Salvo]:
        """Salvos to fire now, in firing order (may be empty)."""


def check_salvos(problem: AssignmentProblem, salvos: list[Salvo]) -> None:
    """Raise ``ValueError`` if salvos break feasibility, inventory or channel limits."""
    ready = problem.ready.copy()
    free_t = problem.battery_free_targets.copy()
    free_g = problem.battery_free_guided.copy()
    engaging = problem.battery_engaging.copy()
    left = problem.salvos_left.copy()
    for s in salvos:
        a, b, n = s.threat, s.weapon, s.rounds
        bat = int(problem.weapon_battery[b])
        if problem.intercept_s[a, b] < 0.0:
            raise ValueError(f"salvo on an infeasible pair (threat row {a}, weapon column {b})")
        if n < 1 or n > ready[b] or n > free_g[bat]:
            raise ValueError(f"salvo of {n} rounds exceeds ready rounds or guidance channels")
        if left[a] < 1:
            raise ValueError(f"threat row {a} may not receive another salvo now")
        if not engaging[bat, a]:
            if free_t[bat] < 1:
                raise ValueError(f"battery {bat} has no free target channel")
            free_t[bat] -= 1
            engaging[bat, a] = True
        ready[b] -= n
        free_g[bat] -= n
        left[a] -= 1
