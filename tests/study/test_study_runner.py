"""Running studies: store contents, executors, resume, refusal of a changed study."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.errors import InputError
from shieldlab.montecarlo import scale_raid, simulate
from shieldlab.scenario import builtin_scenario
from shieldlab.study import load_results, process_pool, run_study
from shieldlab.study.cells import engine_stability
from shieldlab.study.design import cell_seed

STUDY = """\
version: 1
name: small
base:
  scenario: single-battery
  posture: example
factors:
  - name: raid_size
    path: raid.size
    values: [4, 8, 12]
  - name: sspk
    path: interceptor_types.*.sspk.ballistic
    op: scale
    values: [0.8, 1.0]
replications: 300
seed: 9
"""


def _cell_bytes(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((d / "cells").glob("cell-*.json"))}


def test_cells_are_simulate_with_the_cell_seed(write: Callable[..., Path], tmp_path: Path) -> None:
    res = run_study(write(STUDY), tmp_path / "out")
    base = builtin_scenario("single-battery")
    rec = res.records[3]  # raid 8, sspk x 1.0
    assert rec["values"] == [8, 1.0]
    assert rec["seed"] == cell_seed(9, 3)
    want = simulate(scale_raid(base, 8), replications=300, seed=rec["seed"])
    assert rec["outputs"]["leakers"] == want.metrics["leakers"].mean
    assert rec["outputs"]["p_any_leak"] == want.metrics["p_any_leak"].mean
    fs = engine_stability(
        __import__("shieldlab.stability", fromlist=["builtin_posture"]).builtin_posture(),
        "blue",
        want.metrics["leakers"].mean / want.n_lethal,
    )
    assert rec["outputs"]["stability_index"] == fs.index


def test_engine_stability_maps_leak_fraction_onto_kill_probability() -> None:
    from shieldlab.stability import builtin_posture, posture_stability
    from shieldlab.stability.first_strike import SideForces

    post = builtin_posture()
    blue = SideForces.from_posture(post.blue)
    # The posture's own Pk reproduces the closed-form index exactly.
    same = engine_stability(post, "blue", 1.0 - blue.p_kill)
    assert same.index == pytest.approx(posture_stability(post).index, rel=1e-12)
    # A worse defence (more leaking) can only move Blue's index one way with the fixed
    # counterforce allocation: monotone. (Optimised, issue 18, the striker may switch
    # allocations and the victim's second-strike cost jump: docs/stability.md section 3.)
    fixed = post.model_copy(
        update={"exchange": post.exchange.model_copy(update={"strike": "fixed"})}
    )
    idx = [engine_stability(fixed, "blue", q).index for q in np.linspace(0, 1, 11)]
    diffs = np.diff(idx)
    assert np.all(diffs >= -1e-12) or np.all(diffs <= 1e-12)


def test_store_holds_what_memory_holds(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    mem = run_study(p)
    disk = run_study(p, tmp_path / "out")
    assert mem.records == disk.records
    assert load_results(tmp_path / "out").records == mem.records
    table = pq.read_table(tmp_path / "out" / "cells.parquet")
    assert table.column("raid_size").to_pylist() == [4, 4, 8, 8, 12, 12]
    assert table.column("leakers").to_pylist() == [r["outputs"]["leakers"] for r in mem.records]
    import duckdb

    con = duckdb.connect(str(tmp_path / "out" / "study.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT raid_size, avg(leakers) FROM cells GROUP BY raid_size ORDER BY raid_size"
    ).fetchall()
    con.close()
    assert [r[0] for r in rows] == [4, 8, 12]
    by = {4: [], 8: [], 12: []}  # type: dict[int, list[float]]
    for r in mem.records:
        by[r["values"][0]].append(r["outputs"]["leakers"])
    assert [r[1] for r in rows] == pytest.approx([np.mean(by[k]) for k in (4, 8, 12)])


def test_per_replication_rows_match_the_summaries(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    p = write(STUDY)
    plain = run_study(p)
    rows = run_study(p, tmp_path / "out", per_replication=True)
    assert rows.records == plain.records  # same summaries through either path
    t = pq.read_table(tmp_path / "out" / "replications" / "cell-00000002.parquet")
    assert t.num_rows == 300
    assert t.column("replication").to_pylist() == list(range(300))
    leak = np.asarray(t.column("leakers"))
    assert leak.mean() == pytest.approx(plain.records[2]["outputs"]["leakers"], rel=1e-12)
    import duckdb

    con = duckdb.connect(str(tmp_path / "out" / "study.duckdb"), read_only=True)
    n, cells = con.execute("SELECT count(*), count(DISTINCT cell) FROM replications").fetchone()
    con.close()
    assert (n, cells) == (6 * 300, 6)


@pytest.mark.slow
def test_same_results_whatever_executor(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    base = run_study(p, tmp_path / "a")
    with ThreadPoolExecutor(max_workers=3) as ex:
        threads = run_study(p, tmp_path / "b", executor=ex)
    with process_pool(2) as ex:
        procs = run_study(p, tmp_path / "c", executor=ex)
    assert threads.records == base.records == procs.records
    assert _cell_bytes(tmp_path / "a") == _cell_bytes(tmp_path / "b") == _cell_bytes(tmp_path / "c")


def test_resume_recomputes_only_missing_cells(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    whole = run_study(p, tmp_path / "whole")
    part = tmp_path / "part"
    run_study(p, part)
    for name in ("cell-00000001.json", "cell-00000004.json"):
        (part / "cells" / name).unlink()
    (part / "cells" / ".cell-00000005.json.x.tmp").write_text("half")  # a killed write
    (part / "cells.parquet").unlink()
    seen: list[tuple[int, int]] = []
    res = run_study(p, part, progress=lambda d, t: seen.append((d, t)))
    assert (res.computed, res.resumed) == (2, 4)
    assert seen[0] == (4, 6) and seen[-1] == (6, 6)
    assert _cell_bytes(part) == _cell_bytes(tmp_path / "whole")
    assert (part / "cells.parquet").read_bytes() == (
        tmp_path / "whole" / "cells.parquet"
    ).read_bytes()
    assert not list((part / "cells").glob("*.tmp"))
    assert res.records == whole.records


def test_unreadable_cell_file_is_recomputed(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    run_study(p, tmp_path / "out")
    ref = _cell_bytes(tmp_path / "out")
    (tmp_path / "out" / "cells" / "cell-00000003.json").write_bytes(b"")  # power cut
    res = run_study(p, tmp_path / "out")
    assert res.computed == 1
    assert _cell_bytes(tmp_path / "out") == ref


def test_changed_study_is_refused_then_fresh(write: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_study(write(STUDY), out)
    changed = write(STUDY.replace("replications: 300", "replications: 200"))
    with pytest.raises(InputError, match="different study") as info:
        run_study(changed, out)
    assert info.value.location.field == "--out"
    assert len(_cell_bytes(out)) == 6  # nothing touched
    res = run_study(changed, out, fresh=True)
    assert res.computed == 6
    assert json.loads((out / "study.json").read_text())["replications"] == 200


def test_comments_do_not_change_the_hash(write: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_study(write(STUDY), out)
    res = run_study(write("# a comment\n" + STUDY), out)
    assert res.computed == 0


def test_resume_with_other_per_replication_refused(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    p = write(STUDY)
    run_study(p, tmp_path / "out")
    with pytest.raises(InputError, match="per-replication"):
        run_study(p, tmp_path / "out", per_replication=True)


def test_non_empty_foreign_directory_refused(write: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        run_study(write(STUDY), out)
    assert (out / "precious.txt").read_text() == "x"


def test_posture_only_study(write: Callable[..., Path]) -> None:
    from shieldlab.stability import builtin_posture
    from shieldlab.stability.first_strike import stability_vs_interceptors

    text = (
        "version: 1\nname: p\nbase: {posture: example}\nfactors:\n"
        "  - {name: inv, path: posture.blue.defence.interceptors, values: [0, 400, 1600]}\n"
    )
    res = run_study(write(text))
    want = stability_vs_interceptors(builtin_posture(), "blue", np.array([0, 400, 1600]))
    assert res.column("stability_index") == pytest.approx(want, rel=1e-12)


def test_sobol_study_reports_indices(write: Callable[..., Path], tmp_path: Path) -> None:
    text = (
        "version: 1\nname: s\nbase: {posture: example}\n"
        "design: {kind: sobol, samples: 64, bootstrap: 100}\nfactors:\n"
        "  - {name: blue_sspk, path: posture.blue.defence.sspk, range: [0.2, 0.9]}\n"
        "  - {name: red_alpha, path: posture.red.valuation.alpha, range: [0.0, 0.0001]}\n"
    )
    res = run_study(write(text), tmp_path / "out")
    assert res.sensitivity is not None
    st = {(s["factor"], s["measure"]): s["value"] for s in res.sensitivity}
    # Blue's SSPK moves the index; an almost-zero alpha range barely does.
    assert st[("blue_sspk", "ST")] > 0.9
    assert st[("red_alpha", "ST")] < 0.05
    saved = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    assert saved == res.sensitivity


POSTURE_STUDY = """\
version: 1
name: p
base: {posture: example}
design: {kind: lhs, samples: 12}
factors:
  - {name: inv, path: posture.blue.defence.interceptors, range: [0, 2000]}
  - {name: sspk, path: posture.red.defence.sspk, range: [0.2, 0.9]}
seed: 4
"""


@settings(max_examples=10, deadline=None)
@given(lost=st.sets(st.integers(0, 11)), order=st.permutations(list(range(12))))
def test_resume_property_any_lost_cells(lost: set[int], order: list[int]) -> None:
    """Whatever cells were lost, and whatever order an executor returns them in, resuming
    gives the uninterrupted run's files byte for byte (closed-form cells: fast)."""
    import tempfile

    from shieldlab.study import load_study

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "s.yaml").write_text(POSTURE_STUDY, encoding="utf-8")
        sf = load_study(d / "s.yaml")
        whole = run_study(sf, d / "whole")
        run_study(sf, d / "part")
        for i in lost:
            (d / "part" / "cells" / f"cell-{i:08d}.json").unlink()
        partial = load_results(d / "part")
        assert len(partial.records) == 12 - len(lost)
        ex = _OrderedExecutor(order, len(lost))
        res = run_study(sf, d / "part", executor=ex)
        assert res.computed == len(lost)
        assert ex.done_order == [c for c in order if c in lost]
        assert _cell_bytes(d / "part") == _cell_bytes(d / "whole")
        assert res.records == whole.records


class _OrderedExecutor(Executor):
    """Holds every task until ``expected`` are submitted, then completes them (from
    another thread) in the given order of cell indices: a scheduler finishing cells out
    of order."""

    def __init__(self, order: list[int], expected: int) -> None:
        self.order = order
        self.expected = expected
        self.tasks: dict[int, tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = {}
        self.done_order: list[int] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        fut: Future[Any] = Future()
        self.tasks[args[0].index] = (fut, fn, args)
        if len(self.tasks) == self.expected:
            threading.Thread(target=self._drain).start()
        return fut

    def _drain(self) -> None:
        for c in self.order:
            if c in self.tasks:
                fut, fn, args = self.tasks[c]
                fut.set_result(fn(*args))
                self.done_order.append(c)
