"""Factors resolved against the base, designs laid out as cells, and cells built as inputs.

Paths (docs/study.md, "Factors"): dotted field names of the *resolved* scenario (cards
merged in), list items by name, by index or ``*`` (every item); ``posture.`` addresses the
posture. Two paths are not fields but operations: ``raid.size`` (total threats, the raid's
mix kept: :func:`shieldlab.montecarlo.scale_raid`) and ``batteries.count`` (the first n
batteries). A card factor (``card:`` + ``field:``) acts on every place the scenario uses
the card.

Designs map the unit hypercube onto the factors' ranges: ``random`` (independent uniform,
numpy PCG64 keyed by the study seed), ``lhs`` (scipy.stats.qmc.LatinHypercube), ``sobol``
(Saltelli et al. 2010's A, B and AB_i matrices from one scrambled Sobol sequence of 2d
columns -- the construction of scipy.stats.sobol_indices) and ``morris`` (Morris 1991
one-at-a-time trajectories on a p-level grid, step Δ = p / (2 (p - 1))).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from shieldlab.errors import InputError
from shieldlab.scenario.cards import Card, load_catalog
from shieldlab.scenario.model import MAX_THREATS, Scenario
from shieldlab.scenario.yamlio import validate
from shieldlab.study.model import MAX_CELLS, Factor, Scalar, StudyFile

__all__ = [
    "Cell",
    "Plan",
    "ResolvedFactor",
    "build_cell",
    "cell_seed",
    "plan_study",
]

F64 = npt.NDArray[np.float64]
PathT = tuple[str | int, ...]
Kind = Literal["scenario", "posture", "raid.size", "batteries.count"]

SPECIAL = {"raid.size": "raid.size", "batteries.count": "batteries.count"}


def cell_seed(study_seed: int, index: int, *, common: bool = False) -> int:
    """Seed of cell ``index``: a pure function of (study seed, cell index).

    numpy's ``SeedSequence([study_seed, index])`` hashes the pair (O'Neill's seed_seq
    mixing), so neighbouring cells get unrelated streams; the top bit is dropped to fit
    the engine's seed range [0, 2**63). With ``common`` every cell uses the study seed
    (common random numbers).
    """
    if common:
        return int(study_seed)
    state = np.random.SeedSequence([int(study_seed), int(index)]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass(frozen=True, kw_only=True)
class ResolvedFactor:
    """A factor checked against the base: its targets, base values and range."""

    index: int
    name: str
    where: str
    kind: Kind
    op: str
    targets: tuple[PathT, ...]
    base_values: tuple[Any, ...]
    integer: bool
    levels: tuple[Scalar, ...] | None
    low: float | None
    high: float | None
    range_source: str

    def from_unit(self, u: F64) -> list[Scalar]:
        """Values at unit-cube coordinates ``u`` (uniform over [low, high])."""
        assert self.low is not None and self.high is not None
        x = self.low + np.asarray(u, dtype=np.float64) * (self.high - self.low)
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Every cell of a study: factor values per cell, plus the design's unit coordinates."""

    kind: str
    factors: tuple[ResolvedFactor, ...]
    values: tuple[tuple[Scalar, ...], ...]
    unit: F64 | None  # (cells, factors) unit-cube coordinates of sampled designs
    samples: int | None

    @property
    def n_cells(self) -> int:
        return len(self.values)

    def describe(self, index: int) -> str:
        """``raid_size=32, sspk=0.6`` for messages."""
        return ", ".join(
            f"{f.name}={_fmt(v)}" for f, v in zip(self.factors, self.values[index], strict=True)
        )


def _fmt(v: Scalar) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One cell's inputs: its scenario and/or posture, seed and factor values."""

    index: int
    seed: int
    values: tuple[Scalar, ...]
    scenario: Scenario | None
    posture: Any  # shieldlab.stability.posture.Posture | None


# ---- paths ------------------------------------------------------------------------------


def _split(path: str) -> list[str]:
    return path.split(".")


def _resolve(
    node: Any, segs: list[str], prefix: PathT, sf: StudyFile, field: tuple[str | int, ...]
) -> list[PathT]:
    """All data paths that ``segs`` names under ``node`` (``*`` and names expand lists)."""
    if not segs:
        if isinstance(node, dict | list):
            raise sf.error(
                f"'{'.'.join(map(str, prefix))}' is a group of fields, not one value; "
                "name a field inside it",
                *field,
            )
        return [prefix]
    if isinstance(node, dict):
        for k in range(len(segs), 0, -1):  # keys never hold dots, but be greedy anyway
            key = ".".join(segs[:k])
            if key in node:
                return _resolve(node[key], segs[k:], (*prefix, key), sf, field)
        known = ", ".join(sorted(map(str, node)))
        raise sf.error(
            f"no field '{segs[0]}' at '{'.'.join(map(str, prefix)) or '(top)'}'; fields: {known}",
            *field,
        )
    if isinstance(node, list):
        seg = segs[0]
        if seg == "*":
            out: list[PathT] = []
            for i, item in enumerate(node):
                out += _resolve(item, segs[1:], (*prefix, i), sf, field)
            return out
        if seg.isdigit():
            i = int(seg)
            if i >= len(node):
                raise sf.error(
                    f"index {i} is past the end of '{'.'.join(map(str, prefix))}' "
                    f"({len(node)} items)",
                    *field,
                )
            return _resolve(node[i], segs[1:], (*prefix, i), sf, field)
        names = [item.get("name") if isinstance(item, dict) else None for item in node]
        # Names may contain dots: the longest run of segments that is a name wins.
        for k in range(len(segs), 0, -1):
            key = ".".join(segs[:k])
            if key in names:
                i = names.index(key)
                return _resolve(node[i], segs[k:], (*prefix, i), sf, field)
        shown = ", ".join(str(n) for n in names if n is not None)
        raise sf.error(
            f"no item named '{seg}' in '{'.'.join(map(str, prefix))}'; names: {shown} "
            "(or an index, or *)",
            *field,
        )
    raise sf.error(
        f"'{'.'.join(map(str, prefix))}' is a value; it has no field '{segs[0]}'", *field
    )


def _get(data: Any, path: PathT) -> Any:
    for p in path:
        data = data[p]
    return data


def _set(data: Any, path: PathT, value: Any) -> None:
    for p in path[:-1]:
        data = data[p]
    data[path[-1]] = value


def _default_name(f: Factor) -> str:
    text = f.path if f.path is not None else f"{f.card}.{f.field}"
    text = text.removeprefix("posture.")
    name = re.sub(r"[^A-Za-z0-9]+", "_", text.replace("*", "all")).strip("_")
    return name if name[:1].isalpha() else f"f_{name}"


# ---- card ranges ------------------------------------------------------------------------


def _card_param(card: Card, field: str) -> Any:
    return next((p for p in card.parameters if p.field == field), None)


def _card_range_at(
    scenario: Scenario, path: PathT, catalog: dict[str, Card]
) -> tuple[float, float, str] | str:
    """(low, high, source) of the card value at ``path``, or why there is none."""
    dotted = ".".join(map(str, path))
    uses = [u for u in scenario.card_uses if dotted.startswith(u.used_at + ".")]
    if not uses:
        return f"'{dotted}' does not come from a catalog card"
    use = max(uses, key=lambda u: len(u.used_at))
    rest = dotted[len(use.used_at) + 1 :]
    if use.set_by is None and rest.split(".")[0] in use.overridden:
        return f"'{dotted}' is overridden by the scenario (card '{use.card}' does not apply)"
    card = catalog[use.card]
    param = _card_param(card, rest)
    if param is None or param.low is None or param.high is None:
        return f"card '{use.card}' gives no low/high range for '{rest}'"
    return float(param.low), float(param.high), f"card {use.card}, {rest}: {param.source}"


# ---- factors ----------------------------------------------------------------------------


def _resolve_factor(
    i: int,
    f: Factor,
    sf: StudyFile,
    scen_data: dict[str, Any] | None,
    post_data: dict[str, Any] | None,
    scenario: Scenario | None,
    catalog: dict[str, Card],
) -> ResolvedFactor:
    where_field: tuple[str | int, ...] = ("factors", i, "path" if f.path is not None else "card")
    kind: Kind
    targets: list[PathT]
    base: list[Any]
    if f.path is not None and f.path in SPECIAL:
        if scenario is None:
            raise sf.error(f"'{f.path}' needs a base scenario", *where_field)
        kind = "raid.size" if f.path == "raid.size" else "batteries.count"
        if f.op != "set":
            raise sf.error(f"'{f.path}' takes values (op: set)", "factors", i, "op")
        targets = []
        base = [scenario.raid.total_threats if kind == "raid.size" else len(scenario.batteries)]
    elif f.path is not None and f.path.startswith("posture."):
        if post_data is None:
            raise sf.error("posture fields need a base posture (base.posture)", *where_field)
        kind = "posture"
        targets = _resolve(post_data, _split(f.path)[1:], (), sf, where_field)
        base = [_get(post_data, t) for t in targets]
    elif f.path is not None:
        if scen_data is None or scenario is None:
            raise sf.error("scenario fields need a base scenario (base.scenario)", *where_field)
        kind = "scenario"
        targets = _resolve(scen_data, _split(f.path), (), sf, where_field)
        base = [_get(scen_data, t) for t in targets]
    else:
        if scen_data is None or scenario is None:
            raise sf.error("card factors need a base scenario (base.scenario)", *where_field)
        assert f.card is not None and f.field is not None
        kind = "scenario"
        card = catalog.get(f.card)
        uses = [u for u in scenario.card_uses if u.card == f.card]
        if card is None or not uses:
            used = sorted({u.card for u in scenario.card_uses})
            raise sf.error(
                f"the base scenario uses no card '{f.card}'; it uses: {', '.join(used)}",
                *where_field,
            )
        if _card_param(card, f.field) is None:
            fields = ", ".join(p.field for p in card.parameters)
            raise sf.error(
                f"card '{f.card}' has no field '{f.field}'; fields: {fields}", "factors", i, "field"
            )
        targets = []
        for u in uses:
            used_at: PathT = tuple(int(p) if p.isdigit() else p for p in u.used_at.split("."))
            targets += _resolve(
                _get(scen_data, used_at), _split(f.field), used_at, sf, ("factors", i, "field")
            )
        base = [_get(scen_data, t) for t in targets]
    name = f.name or _default_name(f)
    nums = [b for b in base if isinstance(b, int | float) and not isinstance(b, bool)]
    if f.op == "scale" and len(nums) != len(base):
        raise sf.error(
            "op: scale multiplies numbers; the base value is not a number", "factors", i, "op"
        )
    integer = (
        f.integer
        if f.integer is not None
        else (f.op == "set" and bool(base) and all(type(b) is int for b in base))
    )
    low = high = None
    levels: tuple[Scalar, ...] | None = None
    source = "study file"
    if f.range == "card":
        if f.op != "set":
            raise sf.error("range: card gives values to set, not scale factors", "factors", i, "op")
        if kind != "scenario" or scenario is None:
            raise sf.error("range: card applies to scenario fields", "factors", i, "range")
        found = {_card_range_at(scenario, t, catalog) for t in targets}
        bad = [x for x in found if isinstance(x, str)]
        if bad:
            raise sf.error(f"no card range: {bad[0]}", "factors", i, "range")
        ranges = {(x[0], x[1]) for x in found if not isinstance(x, str)}
        if len(ranges) > 1:
            raise sf.error(
                "the factor's targets come from cards with different ranges "
                f"({'; '.join(f'{a:g}-{b:g}' for a, b in sorted(ranges))}); use one factor "
                "per card (card: + field:) or op: scale with a range",
                "factors",
                i,
                "range",
            )
        low, high = next(iter(ranges))
        source = "; ".join(sorted({x[2] for x in found if not isinstance(x, str)}))
    elif isinstance(f.range, list):
        low, high = float(f.range[0]), float(f.range[1])
    if f.values is not None:
        levels = tuple(f.values)
    elif f.steps is not None and low is not None and high is not None:
        grid = np.linspace(low, high, f.steps)
        levels = tuple(int(v) for v in np.rint(grid)) if integer else tuple(map(float, grid))
    if kind == "raid.size":
        # Checked here, before any cell is built: scale_raid's apportionment loops once
        # per threat, so a range up to 1e300 would never return (issue 21, item 9).
        top = max(
            [
                float(v)
                for v in levels or ()
                if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            + [x for x in (low, high) if x is not None],
            default=0.0,
        )
        if not top <= MAX_THREATS:
            raise sf.error(
                f"raid.size goes up to {top:g}; the limit is {MAX_THREATS:,} threats",
                "factors",
                i,
                "values" if f.values is not None else "range",
            )
    if levels is not None and f.op == "scale":
        for v in levels:
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise sf.error("op: scale needs numeric values", "factors", i, "values")
    return ResolvedFactor(
        index=i,
        name=name,
        where=f.where,
        kind=kind,
        op=f.op,
        targets=tuple(targets),
        base_values=tuple(base),
        integer=bool(integer),
        levels=levels,
        low=low,
        high=high,
        range_source=source,
    )


def _overlap(a: PathT, b: PathT) -> bool:
    """Whether one path is the other or lies inside it."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _refuse_shared_targets(sf: StudyFile, factors: tuple[ResolvedFactor, ...]) -> None:
    """Two factors acting on the same value: the later one would silently win (item 8)."""
    for j, g in enumerate(factors):
        for f in factors[:j]:
            if f.kind != g.kind:
                continue
            if f.kind in SPECIAL:
                clash: str = f.kind
            else:
                hits = [
                    ".".join(map(str, t)) for t in g.targets for u in f.targets if _overlap(t, u)
                ]
                if not hits:
                    continue
                clash = hits[0]
            raise sf.error(
                f"factors '{g.name}' and '{f.name}' (factors.{f.index}) both act on {clash}; "
                "one would have no effect: vary each value with one factor",
                "factors",
                g.index,
            )


# ---- designs ----------------------------------------------------------------------------


def _unit_design(kind: str, d: int, n: int, seed: int, levels: int) -> F64:
    from scipy.stats import qmc

    if kind == "random":
        return np.random.default_rng(np.random.SeedSequence([int(seed), 1])).random((n, d))
    if kind == "lhs":
        return np.asarray(qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n))
    if kind == "sobol":
        # scipy.stats._sensitivity_analysis.sample_A_B: one Sobol sequence of 2d columns,
        # A the first d, B the last d (Saltelli et al. 2010, sec. 5).
        ab = qmc.Sobol(d=2 * d, seed=np.random.default_rng(seed), bits=64).random(n)
        a, b = ab[:, :d], ab[:, d:]
        blocks = [a, b]
        for j in range(d):
            abj = a.copy()
            abj[:, j] = b[:, j]
            blocks.append(abj)
        return np.concatenate(blocks, axis=0)
    if kind == "morris":
        return morris_trajectories(d, n, levels, seed)
    raise ValueError(kind)


def morris_trajectories(d: int, r: int, levels: int, seed: int) -> F64:
    """``r`` Morris (1991) trajectories of ``d + 1`` points on a ``levels``-level grid.

    Each trajectory starts at a random grid point and moves one factor at a time (random
    order, random direction) by Δ = p / (2 (p - 1)) (Saltelli et al. 2008, *Global
    Sensitivity Analysis: The Primer*, sec. 3.3). Shape ``(r (d + 1), d)``.
    """
    p = levels
    delta = p / (2.0 * (p - 1))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 2]))
    grid = np.arange(p // 2) / (p - 1)  # levels from which +Δ stays inside [0, 1]
    out = np.empty((r, d + 1, d))
    for t in range(r):
        low = rng.choice(grid, size=d)
        up = rng.random(d) < 0.5  # direction of each factor's step
        x = np.where(up, low, low + delta)
        out[t, 0] = x
        for k, j in enumerate(rng.permutation(d)):
            x = x.copy()
            x[j] = x[j] + delta if up[j] else x[j] - delta
            out[t, k + 1] = x
    return out.reshape(r * (d + 1), d)


def plan_study(sf: StudyFile, *, scenario: Scenario | None, posture: Any) -> Plan:
    """Resolve the factors against the base and lay out every cell of the design."""
    st = sf.study
    catalog = load_catalog()
    scen_data = scenario.model_dump() if scenario is not None else None
    post_data = posture_data(posture) if posture is not None else None
    factors = tuple(
        _resolve_factor(i, f, sf, scen_data, post_data, scenario, catalog)
        for i, f in enumerate(st.factors)
    )
    _refuse_shared_targets(sf, factors)
    seen: dict[str, int] = {}
    for f in factors:
        if f.name in seen:
            raise sf.error(
                f"two factors are both named '{f.name}' (also factors.{seen[f.name]}); give "
                "one a name",
                "factors",
                f.index,
            )
        seen[f.name] = f.index
    kind = st.design.kind
    d = len(factors)
    n = st.design.samples
    count = {
        "grid": math.prod(len(f.levels or ()) for f in factors),
        "list": len(factors[0].levels or ()),
        "random": n or 0,
        "lhs": n or 0,
        "sobol": (n or 0) * (d + 2),
        "morris": (n or 0) * (d + 1),
    }[kind]
    if count > MAX_CELLS:
        raise sf.error(f"the design has {count:,} cells; the limit is {MAX_CELLS:,}", "design")
    unit: F64 | None = None
    if kind == "grid":
        values = tuple(itertools.product(*(f.levels or () for f in factors)))
    elif kind == "list":
        values = tuple(zip(*(f.levels or () for f in factors), strict=True))
    else:
        assert n is not None
        unit = _unit_design(kind, d, n, st.seed, st.design.levels)
        columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
        values = tuple(zip(*columns, strict=True))
    return Plan(kind=kind, factors=factors, values=values, unit=unit, samples=n)


# ---- cells ------------------------------------------------------------------------------


def posture_data(posture: Any) -> dict[str, Any]:
    """A posture as data that validates back to it (card costs already resolved)."""
    data: dict[str, Any] = posture.model_dump()
    for side in ("blue", "red"):
        for item in ("missile", "decoy", "interceptor"):
            data[side]["costs"].pop(f"{item}_card", None)
    return data


def _apply(data: dict[str, Any], f: ResolvedFactor, value: Scalar) -> None:
    for t, b in zip(f.targets, f.base_values, strict=True):
        if f.op == "scale":
            assert isinstance(value, int | float)
            v: Any = b * value
            _set(data, t, round(v) if type(b) is int else float(v))
        else:
            _set(data, t, value)


def _blame(plan: Plan, field: str | None) -> ResolvedFactor:
    """The factor whose target holds (or contains) the bad field, else the first."""
    if field:
        for f in plan.factors:
            for t in f.targets:
                dotted = ".".join(map(str, t))
                if field == dotted or field.startswith(dotted + ".") or dotted.startswith(field):
                    return f
    return plan.factors[0]


def build_cell(
    sf: StudyFile,
    plan: Plan,
    index: int,
    *,
    scenario: Scenario | None,
    posture: Any,
) -> Cell:
    """The inputs of cell ``index``; a value that makes them invalid is an InputError."""
    st = sf.study
    vals = plan.values[index]
    seed = cell_seed(st.seed, index, common=st.common_random_numbers)
    scen: Scenario | None = None
    post: Any = None

    def _bad(exc: InputError, what: str) -> InputError:
        f = _blame(plan, exc.location.field)
        return sf.error(
            f"cell {index} ({plan.describe(index)}) makes an invalid {what}: {exc.message}"
            + (f" (at {exc.location.field})" if exc.location.field else ""),
            "factors",
            f.index,
        )

    if scenario is not None:
        data = copy.deepcopy(scenario.model_dump())
        size: int | None = None
        keep: int | None = None
        for f, v in zip(plan.factors, vals, strict=True):
            if f.kind == "scenario":
                _apply(data, f, v)
            elif f.kind == "raid.size":
                size = _positive_int(sf, plan, f, v, index)
                if size > MAX_THREATS:
                    raise sf.error(
                        f"cell {index}: raid.size {size} is more than the limit of "
                        f"{MAX_THREATS:,} threats",
                        "factors",
                        f.index,
                    )
            elif f.kind == "batteries.count":
                keep = _positive_int(sf, plan, f, v, index)
                if keep > len(data["batteries"]):
                    raise sf.error(
                        f"cell {index}: batteries.count {keep} is more than the base "
                        f"scenario's {len(data['batteries'])} batteries",
                        "factors",
                        f.index,
                    )
        if keep is not None:
            data["batteries"] = data["batteries"][:keep]
        try:
            scen = validate(Scenario, data, None, None)
            if size is not None:
                from shieldlab.montecarlo.studies import scale_raid

                scen = scale_raid(scen, size)
        except InputError as exc:
            raise _bad(exc, "scenario") from None
        scen._card_uses = scenario.card_uses
    if posture is not None:
        from shieldlab.stability.posture import Posture

        pdata = posture_data(posture)
        for f, v in zip(plan.factors, vals, strict=True):
            if f.kind == "posture":
                _apply(pdata, f, v)
        try:
            post = validate(Posture, pdata, None, None)
        except InputError as exc:
            raise _bad(exc, "posture") from None
    return Cell(index=index, seed=seed, values=vals, scenario=scen, posture=post)


def _positive_int(sf: StudyFile, plan: Plan, f: ResolvedFactor, v: Scalar, index: int) -> int:
    # The upper bound keeps int() away from inf; raid.size's own limit is checked in
    # plan_study and in build_cell.
    if isinstance(v, bool) or not isinstance(v, int | float) or not 1 <= v <= 2**53 or int(v) != v:
        raise sf.error(
            f"cell {index}: {f.where} must be a whole number >= 1, got {v!r}",
            "factors",
            f.index,
        )
    return int(v)
