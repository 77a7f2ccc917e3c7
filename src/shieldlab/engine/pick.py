"""Pick an interesting replication of a run: the worst one, or the first that matches.

``shieldlab replay --worst`` and ``--where 'leakers>=3'`` search replications
``0 .. search - 1`` of a run with the given seed (the same rows as ``shieldlab run --seed
S``: :func:`~shieldlab.engine.run_replications`) and hand the chosen index to the replay.

* **worst**: the most lethal leakers; ties broken by the earliest first leak, then the
  lowest index.
* **where**: the lowest index whose outcome row satisfies every comparison of the
  expression: ``NAME OP NUMBER`` joined by ``and`` (or ``,``), ``OP`` one of
  ``>= <= > < == !=`` (``=`` is ``==``), ``NAME`` an outcome column (``leakers``,
  ``threats_killed``, ``interceptors_fired``, ``time_of_first_leak_s``, ``hits.<asset>``,
  ``fired.<type>``, ...). A comparison with NaN (no leak: no first-leak time) is false.

The search runs in chunks and a ``where`` search stops at the first chunk with a match.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.kernel import COL_FIRST_LEAK, COL_LEAKERS
from shieldlab.engine.outcomes import layout_of
from shieldlab.engine.trace import check_replayable
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = ["Condition", "Pick", "parse_where", "pick_replication"]

#: Replications run per kernel call while searching.
CHUNK = 4096
_OPS: dict[str, Callable[[npt.NDArray[np.float64], float], npt.NDArray[np.bool_]]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CMP = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.\-]*?)\s*(?P<op>>=|<=|==|!=|=|>|<)\s*"
    r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """One comparison of a ``--where`` expression."""

    name: str
    op: str
    value: float
    column: int

    def __str__(self) -> str:
        return f"{self.name} {'==' if self.op == '=' else self.op} {self.value:g}"


def parse_where(expr: str, columns: dict[str, int], *, field: str = "--where") -> list[Condition]:
    """The comparisons of ``expr``; :class:`InputError` (naming ``field``) when malformed."""
    parts = [p for p in re.split(r"\s+and\s+|,|&&", expr.strip()) if p.strip()]
    if not parts:
        raise InputError("empty expression; write e.g. 'leakers>=3'", field=field)
    out = []
    for part in parts:
        m = _CMP.match(part)
        if m is None:
            raise InputError(
                f"cannot read '{part.strip()}': write NAME OP NUMBER, OP one of "
                ">=, <=, >, <, ==, != (e.g. 'leakers>=3 and threats_killed<40')",
                field=field,
            )
        name = m.group("name")
        if name not in columns:
            raise InputError(
                f"no outcome '{name}'; outcomes: {', '.join(columns)}",
                field=field,
            )
        value = float(m.group("value"))
        if not math.isfinite(value):
            raise InputError(f"'{part.strip()}': the number must be finite", field=field)
        out.append(Condition(name, m.group("op"), value, columns[name]))
    return out


@dataclass(frozen=True)
class Pick:
    """The chosen replication, why, and how many were searched."""

    replication: int
    searched: int
    reason: str
    outcome: dict[str, float]


def _matching(rows: npt.NDArray[np.float64], conds: list[Condition]) -> npt.NDArray[np.bool_]:
    ok = np.ones(rows.shape[0], dtype=bool)
    with np.errstate(invalid="ignore"):
        for c in conds:
            ok &= _OPS[c.op](rows[:, c.column], c.value)
    return ok


def pick_replication(
    scenario_or_compiled: Scenario | CompiledScenario,
    *,
    seed: int,
    search: int,
    worst: bool = False,
    where: str | None = None,
) -> Pick:
    """The worst replication, or the first matching ``where``, of ``0 .. search - 1``.

    Raises :class:`InputError` for a bad expression (field ``--where``), a ``search`` below
    1 (``--search``), both or neither criterion, a scenario that replay cannot record (as
    :func:`~shieldlab.engine.trace.record_replication`), and when no replication matches.
    """
    if not 0 <= seed < 2**63:
        raise InputError(f"must be between 0 and 2**63 - 1, got {seed}", field="--seed")
    if worst == (where is not None):
        raise InputError("give exactly one of --worst and --where", field="--worst")
    if not 1 <= search <= 10_000_000:
        raise InputError(f"must be between 1 and 10,000,000, got {search}", field="--search")
    sc = scenario_or_compiled
    cs = sc if isinstance(sc, CompiledScenario) else compile_scenario(sc)
    columns = layout_of(cs).columns()
    conds = parse_where(where, columns) if where is not None else []  # before any run
    check_replayable(sc, cs)
    best: tuple[float, float, int] | None = None  # (-leakers, first leak, index)
    found: int | None = None
    done = 0
    while done < search:
        count = min(CHUNK, search - done)
        rows = run_replications(cs, seed=seed, first=done, count=count)
        if worst:
            first_leak = np.where(
                np.isnan(rows[:, COL_FIRST_LEAK]), np.inf, rows[:, COL_FIRST_LEAK]
            )
            order = np.lexsort((np.arange(count), first_leak, -rows[:, COL_LEAKERS]))
            k = int(order[0])
            cand = (-float(rows[k, COL_LEAKERS]), float(first_leak[k]), done + k)
            if best is None or cand < best:
                best = cand
        else:
            hit = np.flatnonzero(_matching(rows, conds))
            if hit.size:
                found = done + int(hit[0])
                done += count
                break
        done += count
    if worst:
        assert best is not None
        index = best[2]
        reason = f"the most leakers ({-best[0]:g}) of {done:,} replications"
    else:
        if found is None:
            raise InputError(
                f"no replication of the first {done:,} (seed {seed}) has "
                f"{' and '.join(str(c) for c in conds)}; try a larger --search",
                field="--where",
            )
        index = found
        reason = f"the first with {' and '.join(str(c) for c in conds)}"
    row = run_replications(cs, seed=seed, first=index, count=1)[0]
    outcome = {name: float(row[c]) for name, c in columns.items()}
    return Pick(replication=index, searched=done, reason=reason, outcome=outcome)
