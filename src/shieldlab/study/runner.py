"""Running a study: every cell of the design, in-process or on any executor, resumable.

:func:`run_study` resolves the study against its base, builds (and so validates) every
cell up front, then runs the cells that the results directory does not hold yet and
commits each one atomically as it completes (:class:`~shieldlab.study.store.StudyStore`).
A cell's result depends only on its inputs and its seed -- a pure function of the study
seed and the cell index (:func:`~shieldlab.study.design.cell_seed`) -- so an interrupted
study resumed with ``run_study`` again, or one run on another executor or worker count,
gives bit-identical cells.

Executors: ``executor=None`` runs cells one after another in this process (the kernel
uses numba's threads). Any :class:`concurrent.futures.Executor` (a process pool, a Dask
``Client.get_executor()``, ...) scales out over cells; :func:`process_pool` is the one
``shieldlab study run --workers N`` uses: the package's one worker pool
(:class:`shieldlab.montecarlo._pool.WorkerPool`, the same as ``simulate(workers=N)``'s),
whose workers ignore Ctrl-C and die with their parent. On such a pool a dead worker is
an error, not a hang, and a Ctrl-C or SIGTERM ends the workers at once instead of
waiting for their cells (docs/architecture.md, "Signal contract").
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab.errors import InputError
from shieldlab.montecarlo._pool import (
    WorkerPool,
    end_pool_on_interrupt,
    pool_of,
    wait_any,
    wait_result,
)
from shieldlab.scenario.model import Scenario
from shieldlab.study.cells import (
    SCENARIO_OUTPUTS,
    STABILITY_OUTPUTS,
    CellResult,
    CellTask,
    check_per_replication,
    run_cell,
)
from shieldlab.study.design import Plan, build_cell, plan_study
from shieldlab.study.model import StudyFile, load_study
from shieldlab.study.sensitivity import analyse
from shieldlab.study.store import FORMAT, StudyStore

__all__ = ["StudyResults", "load_base", "process_pool", "run_study", "study_hash"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
#: Most cells handed to an executor at once (bounds memory for very large designs).
MAX_IN_FLIGHT = 64


@dataclass(frozen=True, kw_only=True)
class StudyResults:
    """A run study: its cells (in order) and, for sobol/morris designs, its indices."""

    name: str
    design: str
    factors: tuple[str, ...]
    outputs: tuple[str, ...]
    records: list[dict[str, Any]]
    sensitivity: list[dict[str, Any]] | None
    n_cells: int
    computed: int
    resumed: int
    directory: Path | None
    timing: dict[str, float] = field(default_factory=dict)
    #: Replications per cell (``None`` when unknown); the figures' Wilson bands use it.
    replications: int | None = None
    seed: int | None = None

    def _repr_html_(self) -> str:
        """A notebook shows the cells and the sensitivity indices as tables."""
        from shieldlab.study.display import study_html

        return study_html(self)

    def column(self, name: str) -> np.ndarray:
        """One output (or factor) over the cells, in cell order."""
        if name in self.factors:
            j = self.factors.index(name)
            return np.asarray([r["values"][j] for r in self.records])
        return np.asarray([r["outputs"].get(name, np.nan) for r in self.records], dtype=float)


def _load_scenario_ref(sf: StudyFile, ref: str) -> Scenario:
    from shieldlab.scenario import builtin_scenario, load_scenario
    from shieldlab.scenario.loader import builtin_dir, list_builtin_scenarios

    p = Path(ref)
    if not p.is_absolute():
        p = sf.directory / p
    if p.is_file() or p.suffix.lower() in (".yaml", ".yml") or len(Path(ref).parts) > 1:
        return load_scenario(p)
    if (builtin_dir() / f"{ref}.yaml").is_file():
        return builtin_scenario(ref)
    names = ", ".join(s.name for s in list_builtin_scenarios())
    raise sf.error(
        f"no scenario file '{ref}' (relative to the study file) and no built-in of that "
        f"name; built-ins: {names}",
        "base",
        "scenario",
    )


def _load_posture_ref(sf: StudyFile, ref: str) -> Any:
    from shieldlab.stability.posture import BUILTIN_POSTURES, builtin_posture, load_posture

    p = Path(ref)
    if not p.is_absolute():
        p = sf.directory / p
    if p.is_file() or p.suffix.lower() in (".yaml", ".yml") or len(Path(ref).parts) > 1:
        return load_posture(p)
    if ref in BUILTIN_POSTURES:
        return builtin_posture(ref)
    raise sf.error(
        f"no posture file '{ref}' (relative to the study file) and no built-in of that "
        f"name; built-ins: {', '.join(BUILTIN_POSTURES)}",
        "base",
        "posture",
    )


def load_base(sf: StudyFile) -> tuple[Scenario | None, Any]:
    """The study's base scenario and posture (either may be ``None``)."""
    base = sf.study.base
    scenario = None if base.scenario is None else _load_scenario_ref(sf, base.scenario)
    posture = None if base.posture is None else _load_posture_ref(sf, base.posture)
    return scenario, posture


def study_hash(sf: StudyFile, scenario: Scenario | None, posture: Any) -> str:
    """SHA-256 of what determines the results: the study, its base, the code version.

    Computed on the validated contents (not the file's bytes), so comments and layout do
    not count, while a changed base scenario file does.
    """
    from shieldlab import __version__

    doc = {
        "format": FORMAT,
        "shieldlab": __version__,
        "study": sf.study.model_dump(mode="json"),
        "scenario": None if scenario is None else scenario.model_dump(mode="json"),
        "posture": None if posture is None else posture.model_dump(mode="json"),
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _outputs(scenario: Scenario | None, posture: Any) -> tuple[str, ...]:
    out: tuple[str, ...] = ()
    if scenario is not None:
        out += SCENARIO_OUTPUTS
    if posture is not None:
        out += STABILITY_OUTPUTS
    return out


def _manifest(
    sf: StudyFile, plan: Plan, digest: str, outputs: tuple[str, ...], per_rep: bool
) -> dict[str, Any]:
    st = sf.study
    return {
        "format": FORMAT,
        "name": st.name,
        "hash": digest,
        "study_file": sf.file,
        "study": st.model_dump(mode="json"),
        "design": plan.kind,
        "samples": plan.samples,
        "n_cells": plan.n_cells,
        "replications": st.replications,
        "seed": st.seed,
        "per_replication": per_rep,
        "factors": [
            {
                "name": f.name,
                "where": f.where,
                "op": f.op,
                "low": f.low,
                "high": f.high,
                "levels": None if f.levels is None else list(f.levels),
                "source": f.range_source,
                "targets": [".".join(map(str, t)) for t in f.targets],
            }
            for f in plan.factors
        ],
        "outputs": list(outputs),
    }


def _record(res: CellResult, values: tuple[Any, ...]) -> dict[str, Any]:
    return {"cell": res.index, "seed": res.seed, "values": list(values), "outputs": res.outputs}


def process_pool(workers: int) -> WorkerPool:
    """A pool of ``workers`` spawned processes, one numba thread each, for cells.

    The package's one pool implementation (the same as ``simulate(workers=N)``'s): its
    workers ignore SIGINT and die with this process (``PR_SET_PDEATHSIG`` on Linux, a
    parent watchdog everywhere). Use it as a context manager, or ``shutdown()`` it.
    """
    return WorkerPool(workers)


def sensitivity_of(
    plan: Plan, records: list[dict[str, Any]], outputs: tuple[str, ...], sf: StudyFile
) -> list[dict[str, Any]] | None:
    """Sobol or Morris indices of the main outputs (None for other designs)."""
    if plan.kind not in ("sobol", "morris") or plan.samples is None:
        return None
    wanted = [o for o in ("leakers", "p_any_leak", "stability_index") if o in outputs]
    ys: dict[str, np.ndarray] = {
        o: np.asarray([r["outputs"][o] for r in records], dtype=np.float64) for o in wanted
    }
    found = analyse(
        plan.kind,
        factors=[f.name for f in plan.factors],
        outputs=ys,
        unit=plan.unit,
        samples=plan.samples,
        bootstrap=sf.study.design.bootstrap,
        seed=sf.study.seed,
    )
    return [x.to_dict() for x in found]


def run_study(
    study: StudyFile | str | Path,
    out: str | Path | None = None,
    *,
    executor: Executor | None = None,
    per_replication: bool = False,
    fresh: bool = False,
    progress: ProgressFn | None = None,
) -> StudyResults:
    """Run (or resume) a study; write its results to ``out`` (``None``: memory only).

    ``executor``: any ``concurrent.futures.Executor`` to run cells on (``None``: in this
    process). ``per_replication`` stores every replication's outcome row (Parquet; needs
    ``out``). ``fresh`` discards results of another study found in ``out`` instead of
    refusing. ``progress(done, total)`` is called as cells complete (first with the
    cells already done).
    """
    t0 = time.perf_counter()
    sf = study if isinstance(study, StudyFile) else load_study(study)
    scenario, posture = load_base(sf)
    if per_replication:
        if out is None:
            raise InputError("per-replication rows need a results directory", field="--out")
        if scenario is None:
            raise InputError("a posture-only study has no replications", field="--per-replication")
        check_per_replication(scenario)
    plan = plan_study(sf, scenario=scenario, posture=posture)
    cells = [
        build_cell(sf, plan, i, scenario=scenario, posture=posture) for i in range(plan.n_cells)
    ]
    if per_replication:
        for c in cells:
            assert c.scenario is not None
            check_per_replication(c.scenario)
    outputs = _outputs(scenario, posture)
    digest = study_hash(sf, scenario, posture)
    manifest = _manifest(sf, plan, digest, outputs, per_replication)
    store: StudyStore | None = None
    records: dict[int, dict[str, Any]] = {}
    done: set[int] = set()
    if out is not None:
        require_store()
        store = StudyStore(out)
        store.open(manifest, fresh=fresh)  # the directory's lock, held until the end
    try:
        if store is not None:
            done = _valid_cells(store, plan, cells)
        return _run(
            sf, plan, cells, manifest, outputs, store, records, done,
            executor=executor, per_replication=per_replication, progress=progress,
            out=out, t0=t0,
        )  # fmt: skip
    finally:
        if store is not None:
            store.close()


def _valid_cells(store: StudyStore, plan: Plan, cells: list[Any]) -> set[int]:
    """The stored cells that count: valid files (store) of this plan's seeds and values.

    Any other is recomputed (its file replaced), said in one line.
    """
    scan = store.scan()
    for i, rec in sorted(scan.records.items()):
        if rec["seed"] != cells[i].seed or rec["values"] != list(plan.values[i]):
            del scan.records[i]
            scan.problems.append((f"cells/cell-{i:08d}.json", "seed or factor values differ"))
    line = scan.summary(store.dir, "recomputed")
    if line is not None:
        log.warning("%s", line)
    return set(scan.records)


def _run(
    sf: StudyFile,
    plan: Plan,
    cells: list[Any],
    manifest: dict[str, Any],
    outputs: tuple[str, ...],
    store: StudyStore | None,
    records: dict[int, dict[str, Any]],
    done: set[int],
    *,
    executor: Executor | None,
    per_replication: bool,
    progress: ProgressFn | None,
    out: str | Path | None,
    t0: float,
) -> StudyResults:
    resumed = len(done)
    total = plan.n_cells
    log.info(
        "study %s: %d cells of %s replications, %d already done",
        sf.study.name,
        total,
        f"{sf.study.replications:,}" if sf.study.base.scenario is not None else "no",
        resumed,
    )
    # Cells logged at INFO at every tenth of the study (all of them at DEBUG).
    step = max(1, total // 10)
    if progress is not None:
        progress(len(done), total)
    t_setup = time.perf_counter() - t0

    def task(i: int) -> CellTask:
        c = cells[i]
        return CellTask(
            index=i,
            seed=c.seed,
            replications=sf.study.replications,
            scenario=c.scenario,
            posture=c.posture,
            defender=sf.study.base.defender,
            per_replication=per_replication,
        )

    t_commit = 0.0

    def finish(res: CellResult) -> None:
        nonlocal t_commit
        rec = _record(res, plan.values[res.index])
        if store is not None:
            tc = time.perf_counter()
            store.commit(rec, res.rows, res.columns)
            t_commit += time.perf_counter() - tc
        else:
            records[res.index] = rec
        done.add(res.index)
        n = len(done)
        level = logging.INFO if (n - resumed) % step == 0 or n == total else logging.DEBUG
        log.log(level, "study %s: %d of %d cells done", sf.study.name, n, total)
        if progress is not None:
            progress(n, total)

    todo = [i for i in range(total) if i not in done]
    t1 = time.perf_counter()
    if executor is None:
        for i in todo:
            finish(run_cell(task(i)))
    else:
        pool = pool_of(executor)
        pending: set[Future[CellResult]] = set()
        queue = iter(todo)
        try:
            while True:
                for i in queue:
                    pending.add(executor.submit(run_cell, task(i)))
                    if len(pending) >= MAX_IN_FLIGHT:
                        break
                if not pending:
                    break
                finished, pending = wait_any(pending, pool)
                for fut in finished:
                    finish(wait_result(fut, pool))
        except BaseException as exc:
            # Ctrl-C, SIGTERM, a dead worker: the cells running on the pool are thrown
            # away (the finished ones are stored), its workers ended now.
            # (The pool first: its end settles every future it holds.)
            end_pool_on_interrupt(pool, exc)
            for fut in pending:
                fut.cancel()
            raise
    t_cells = time.perf_counter() - t1
    if store is not None:
        all_records = store.records()
        if len(all_records) != total:  # only if someone changed the files during the run
            raise InputError(
                f"{total - len(all_records):,} cells were removed or changed while the study "
                "ran; run it again to recompute them",
                file=str(store.dir),
                field="--out",
            )
    else:
        all_records = [records[i] for i in sorted(records)]
    if plan.kind in ("sobol", "morris"):
        log.info("study %s: %s indices", sf.study.name, plan.kind)
    sens = sensitivity_of(plan, all_records, outputs, sf)
    t2 = time.perf_counter()
    if store is not None:
        log.info("study %s: writing the results store %s", sf.study.name, out)
        store.finalise(manifest, all_records, sens)
    t_store = time.perf_counter() - t2
    log.info("study %s: done, %d cells computed in %.1f s", sf.study.name, len(todo), t_cells)
    return StudyResults(
        name=sf.study.name,
        design=plan.kind,
        factors=tuple(f.name for f in plan.factors),
        outputs=outputs,
        records=all_records,
        sensitivity=sens,
        n_cells=total,
        computed=len(todo),
        resumed=resumed,
        directory=None if out is None else Path(out),
        timing={
            "setup_s": t_setup,
            "cells_s": t_cells,
            "commit_s": t_commit,
            "finalise_s": t_store,
        },
        replications=sf.study.replications,
        seed=sf.study.seed,
    )


def require_store() -> None:
    """Fail early, with the extra to install, when the results store is not installed."""
    from shieldlab._optional import require

    require("pyarrow", feature="the study results store (--out)")
    require("duckdb", feature="the study results store (--out)")


def load_results(directory: str | Path) -> StudyResults:
    """The results held in a study directory (complete or not); reads only.

    Cell files that fail validation (docs/study.md, "What is checked on reading") count as
    missing, said in one logged line; a ``sensitivity.json`` that is not a list of
    indices of this study's factors is ignored the same way.
    """
    from shieldlab.study.store import read_manifest

    manifest = read_manifest(directory)
    store = StudyStore(directory, manifest)
    scan = store.scan()
    line = scan.summary(Path(directory), "counted as missing; 'study run' recomputes them")
    if line is not None:
        log.warning("%s", line)
    records = [scan.records[i] for i in sorted(scan.records)]
    sens = None
    spath = Path(directory) / "sensitivity.json"
    if len(records) == manifest["n_cells"] and spath.is_file():
        try:
            sens = json.loads(spath.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            sens = None
        factors = {f["name"] for f in manifest["factors"]}
        if sens is not None and not _valid_sensitivity(sens, factors):
            log.warning("%s: not indices of this study's factors: ignored", spath)
            sens = None
    return StudyResults(
        name=manifest["name"],
        design=manifest["design"],
        factors=tuple(f["name"] for f in manifest["factors"]),
        outputs=tuple(manifest["outputs"]),
        records=records,
        sensitivity=sens,
        n_cells=int(manifest["n_cells"]),
        computed=0,
        resumed=len(records),
        directory=Path(directory),
        replications=manifest.get("replications"),
        seed=manifest.get("seed"),
    )


def _valid_sensitivity(sens: Any, factors: set[str]) -> bool:
    keys = ("output", "factor", "measure", "value", "low", "high")
    if not isinstance(sens, list):
        return False
    for s in sens:
        if not isinstance(s, dict) or any(k not in s for k in keys):
            return False
        if s["factor"] not in factors or not isinstance(s["measure"], str):
            return False
        if any(type(s[k]) not in (int, float) for k in ("value", "low", "high")):
            return False
    return True
