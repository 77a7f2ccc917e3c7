"""Static weapon-target assignment: instance, result, objective and the solver interface.

Problem (Manne 1958; Ahuja, Kumar, Jha & Orlin 2007; Andersen, Pavlikov & Toffolo 2022):

    minimise  F(x) = sum_j V_j prod_i (1 - p_ij)^x_ij
    subject to sum_j x_ij <= c_i for every weapon type i,  x_ij integer >= 0,

with V_j the value of target j, p_ij the probability that one weapon of type i destroys
target j and c_i the number of weapons of type i. F is the expected surviving value.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Size caps (docs/wta.md, "Limits"). The solvers hold dense float64 arrays of m x n (the
# kill matrix) and of W x n for W = sum_i c_i weapons (the single-copy split of the
# instance, the linear-assignment profit matrix, the ejection-chain gains): with at most
# MAX_ENTRIES entries each such array takes 8 MB (measured peak of a solve at the caps:
# 0.5-0.9 GB, HiGHS included). W also sets the cost of one kick of the local search,
# O(W (n + W)), and of the greedy and linear-assignment seeds, which run once and
# uninterrupted: at the caps at most 0.4 s and 1.3 s (1000 x 1000). Caps of 10,000
# weapons and 4e6 entries, tried first, let greedy take 6 s and the assignment 9 s. The
# largest published benchmark instance (250 x 500, 3 copies) has W = 750 and
# W x n = 375,000.
#: most weapons in all, sum_i c_i (and so most copies of one type)
MAX_WEAPONS = 2_000
#: most weapon types m and most targets n
MAX_WEAPON_TYPES = 2_000
MAX_TARGETS = 2_000
#: most entries of m x n and of W x n
MAX_ENTRIES = 1_000_000


def size_problem(m: int, n: int, weapons: int) -> str | None:
    """Which size cap (m types, n targets, ``weapons`` in all) is exceeded, or None."""
    if m > MAX_WEAPON_TYPES:
        return f"{m:,} weapon types exceed the cap of {MAX_WEAPON_TYPES:,}"
    if n > MAX_TARGETS:
        return f"{n:,} targets exceed the cap of {MAX_TARGETS:,}"
    if weapons > MAX_WEAPONS:
        return f"{weapons:,} weapons in all exceed the cap of {MAX_WEAPONS:,}"
    if m * n > MAX_ENTRIES:
        return f"m x n = {m * n:,} exceeds the cap of {MAX_ENTRIES:,} entries"
    if weapons * n > MAX_ENTRIES:
        return f"weapons x targets = {weapons * n:,} exceeds the cap of {MAX_ENTRIES:,}"
    return None


@dataclass(frozen=True, kw_only=True)
class WTAInstance:
    """A static WTA instance: values V (n,), kill probabilities p (m, n), counts c (m,).

    Arrays are copied, validated and made read-only on construction; a bad value or a
    size beyond the caps (:data:`MAX_WEAPONS`, :data:`MAX_ENTRIES`, ...) raises
    :class:`~shieldlab.errors.InputError` naming the field.
    """

    target_values: FloatArray
    kill_probability: FloatArray
    weapon_counts: IntArray
    name: str = ""

    def __post_init__(self) -> None:
        values = np.array(self.target_values, dtype=np.float64, copy=True)
        prob = np.array(self.kill_probability, dtype=np.float64, copy=True)
        counts_raw = np.array(self.weapon_counts, copy=True)
        if values.ndim != 1:
            raise InputError("must be a list of numbers", field="target_values")
        if prob.ndim != 2:
            raise InputError("must be a matrix (one row per weapon type)", field="kill_probability")
        if counts_raw.ndim != 1:
            raise InputError("must be a list of integers", field="weapon_counts")
        m, n = prob.shape
        if values.shape[0] != n:
            raise InputError(
                f"has {values.shape[0]} entries but kill_probability has {n} columns",
                field="target_values",
            )
        if counts_raw.shape[0] != m:
            raise InputError(
                f"has {counts_raw.shape[0]} entries but kill_probability has {m} rows",
                field="weapon_counts",
            )
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = int(np.flatnonzero(~(np.isfinite(values) & (values >= 0)))[0])
            raise InputError("must be finite and >= 0", field=f"target_values[{bad}]")
        ok = np.isfinite(prob) & (prob >= 0.0) & (prob <= 1.0)
        if not np.all(ok):
            i, j = (int(k) for k in np.argwhere(~ok)[0])
            raise InputError("must lie in [0, 1]", field=f"kill_probability[{i}][{j}]")
        if counts_raw.dtype.kind not in "iuf" and counts_raw.size:
            raise InputError("must be a list of integers", field="weapon_counts")
        counts_f = counts_raw.astype(np.float64)
        okc = np.isfinite(counts_f) & (counts_f >= 0) & (counts_f == np.round(counts_f))
        if not np.all(okc):
            bad = int(np.flatnonzero(~okc)[0])
            raise InputError("must be an integer >= 0", field=f"weapon_counts[{bad}]")
        if np.any(counts_f > MAX_WEAPONS):
            bad = int(np.flatnonzero(counts_f > MAX_WEAPONS)[0])
            raise InputError(
                f"{counts_f[bad]:.6g} weapons exceed the cap of {MAX_WEAPONS:,}",
                field=f"weapon_counts[{bad}]",
            )
        counts = counts_f.astype(np.int64)
        problem = size_problem(m, n, int(counts.sum()))
        if problem is not None:
            raise InputError(problem, field="weapon_counts" if "weapons" in problem else None)
        for arr in (values, prob, counts):
            arr.flags.writeable = False
        object.__setattr__(self, "target_values", values)
        object.__setattr__(self, "kill_probability", prob)
        object.__setattr__(self, "weapon_counts", counts)

    @property
    def n_weapon_types(self) -> int:
        """m, the number of weapon types (rows of p)."""
        return int(self.kill_probability.shape[0])

    @property
    def n_targets(self) -> int:
        """n, the number of targets (columns of p)."""
        return int(self.kill_probability.shape[1])

    @property
    def n_weapons(self) -> int:
        """Total number of weapons, sum_i c_i."""
        return int(self.weapon_counts.sum())

    def weapon_type_of(self) -> IntArray:
        """Type index of each individual weapon (weapons of one type are consecutive)."""
        return np.repeat(np.arange(self.n_weapon_types, dtype=np.int64), self.weapon_counts)


@dataclass(frozen=True, kw_only=True)
class WTAResult:
    """A solver's answer: integer assignment x (m, n), its objective and what is proven.

    ``objective`` is always F(assignment) recomputed with :func:`objective`;
    ``lower_bound`` is a proven lower bound on the optimum (None when the solver proves
    nothing); ``optimal`` is True only when optimality is proven (or guaranteed by theory,
    e.g. den Broeder's condition for greedy), up to the stated relative tolerance.
    """

    assignment: IntArray
    objective: float
    lower_bound: float | None
    solver: str
    seconds: float
    optimal: bool = False
    note: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap (objective - lower_bound) / objective, None without a bound."""
        if self.lower_bound is None:
            return None
        if self.objective <= 0.0:
            return 0.0
        return max(0.0, (self.objective - self.lower_bound) / self.objective)

    def triples(self) -> list[list[int]]:
        """The assignment as ``[weapon_type, target, count]`` rows with count > 0."""
        rows, cols = np.nonzero(self.assignment)
        x = self.assignment
        return [[int(i), int(j), int(x[i, j])] for i, j in zip(rows, cols, strict=True)]


def objective(instance: WTAInstance, assignment: NDArray[Any]) -> float:
    """Expected surviving value F(x) = sum_j V_j prod_i (1 - p_ij)^x_ij.

    Computed directly with powers (exact for p_ij = 1: 0^0 = 1, 0^k = 0 for k >= 1).
    """
    x = np.asarray(assignment)
    survive = np.prod(np.power(1.0 - instance.kill_probability, x), axis=0)
    return float(np.dot(instance.target_values, survive))


def check_feasible(instance: WTAInstance, assignment: NDArray[Any]) -> None:
    """Raise ValueError unless x is a non-negative integer (m, n) array within the counts."""
    x = np.asarray(assignment)
    if x.shape != instance.kill_probability.shape:
        raise ValueError(f"assignment shape {x.shape} != {instance.kill_probability.shape}")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError("assignment must be integer")
    if np.any(x < 0):
        raise ValueError("assignment has negative entries")
    if np.any(x.sum(axis=1) > instance.weapon_counts):
        raise ValueError("assignment uses more weapons than available")


class WTASolver(ABC):
    """Interface of a static WTA solver: ``solve(instance, time_limit_s)`` -> WTAResult."""

    name: str = "abstract"

    @abstractmethod
    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        """Return a feasible assignment; never exceed ``time_limit_s`` by much."""


def make_result(
    instance: WTAInstance,
    assignment: NDArray[Any],
    *,
    solver: str,
    seconds: float,
    lower_bound: float | None = None,
    optimal: bool = False,
    note: str = "",
    stats: dict[str, Any] | None = None,
) -> WTAResult:
    """Build a WTAResult, checking feasibility and recomputing the objective from x."""
    x = np.asarray(assignment, dtype=np.int64).copy()
    check_feasible(instance, x)
    obj = objective(instance, x)
    lb = None if lower_bound is None or not math.isfinite(lower_bound) else float(lower_bound)
    if lb is not None:
        # a bound may exceed the objective only by solver round-off; more is a bug
        if lb > obj * (1.0 + 1e-6) + 1e-9:
            raise RuntimeError(f"{solver}: lower bound {lb} above objective {obj}")
        lb = min(lb, obj)
        # F is a sum of non-negative terms, so 0 is a valid bound and so is the larger
        # of the two; a solver's negative bound is valid but says nothing
        lb = max(lb, 0.0)
    x.flags.writeable = False
    return WTAResult(
        assignment=x,
        objective=obj,
        lower_bound=lb,
        solver=solver,
        seconds=float(seconds),
        optimal=optimal,
        note=note,
        stats=dict(stats or {}),
    )
