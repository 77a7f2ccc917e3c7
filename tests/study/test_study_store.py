"""The results store under concurrency, faults and corruption (issue 21, items 2, 3 and 5).

* One writer: a run holds the directory's lock; a second run (``--fresh`` or not) stops
  with one line naming the holder; a lock left by a killed run is taken over.
* Reads never write: ``load_results`` / ``study show`` on a store they may not change,
  and concurrently with a ``--per-replication`` run; the next run (the lock holder)
  removes exactly the temporary files a killed run leaves.
* Stored results are validated on read: junk or deleted rows files, cell files holding
  ``{}`` or missing an output, a cell beyond the study, a cell of another study.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shieldlab.errors import InputError
from shieldlab.study import load_results, load_study, run_study
from shieldlab.study.store import StudyStore, read_manifest
from shieldlab.study.store_lock import LOCK_NAME, DirectoryLock

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

ROWS_STUDY = """\
version: 1
name: rows
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 6, 8]}
replications: 64
seed: 3
"""


def _tree(d: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``d``: bytes and modification time (a read must change neither)."""
    return {
        str(p.relative_to(d)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def _cells(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((d / "cells").glob("cell-*.json"))}


def _rows(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((d / "replications").glob("cell-*.parquet"))}


@pytest.fixture(scope="module")
def rows_ref(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete per-replication study (3 cells), copied by the tests that change one."""
    d = tmp_path_factory.mktemp("ref")
    (d / "s.yaml").write_text(ROWS_STUDY, encoding="utf-8")
    run_study(d / "s.yaml", d / "out", per_replication=True)
    return d


@pytest.fixture
def rows_copy(rows_ref: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(study file, a fresh copy of the complete results directory)."""
    shutil.copy(rows_ref / "s.yaml", tmp_path / "s.yaml")
    shutil.copytree(rows_ref / "out", tmp_path / "out")
    return tmp_path / "s.yaml", tmp_path / "out"


# --------------------------------------------------------------------------- item 2: lock


def _holder(directory: Path) -> subprocess.Popen[str]:
    """A separate process holding the directory's lock until its stdin closes."""
    code = (
        "import sys\n"
        "from shieldlab.study.store_lock import DirectoryLock\n"
        "lock = DirectoryLock(sys.argv[1]); lock.acquire()\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "locked\n"  # the state: it holds the lock
    return proc


def test_a_second_run_is_refused_naming_the_holder(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    p = write(POSTURE_STUDY)
    out = tmp_path / "out"
    holder = _holder(out)
    try:
        for fresh in (False, True):
            with pytest.raises(InputError, match="in use by another 'shieldlab study run'") as e:
                run_study(p, out, fresh=fresh)
            assert f"pid {holder.pid} on host " in str(e.value)
            assert str(e.value).startswith(f"{out}, option --out: ")
        assert sorted(x.name for x in out.iterdir()) == [LOCK_NAME]  # nothing else written
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()
    res = run_study(p, out)  # released: the next run goes ahead
    assert res.computed == 12


def test_a_lock_left_by_a_killed_run_is_taken_over(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    p = write(POSTURE_STUDY)
    out = tmp_path / "out"
    holder = _holder(out)
    holder.kill()  # SIGKILL: the kernel releases its flock; the file still names it
    holder.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == holder.pid
    lock = DirectoryLock(out)
    lock.acquire()
    assert lock.previous is not None and lock.previous["pid"] == holder.pid
    lock.release()
    assert run_study(p, out).computed == 12


def test_a_run_during_a_run_computes_nothing(write: Callable[..., Path], tmp_path: Path) -> None:
    """Two runs of the same study into one directory: the second (even with --fresh) is
    refused while the first runs, so no cell is computed twice and the directory never
    holds more cells than the study (the "29 of 20 cells" of the issue)."""
    sf = load_study(write(POSTURE_STUDY))
    out = tmp_path / "out"
    first_cell_done, go_on = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 1:
            first_cell_done.set()
            assert go_on.wait(timeout=600)

    results: list[object] = []
    t = threading.Thread(target=lambda: results.append(run_study(sf, out, progress=progress)))
    t.start()
    try:
        assert first_cell_done.wait(timeout=600)  # the first run holds the lock, mid-study
        for fresh in (False, True):
            with pytest.raises(InputError, match=f"in use .*pid {os.getpid()} "):
                run_study(sf, out, fresh=fresh)
    finally:
        go_on.set()
        t.join()
    (first,) = results
    assert first.computed == 12  # type: ignore[attr-defined]
    assert len(list((out / "cells").glob("cell-*.json"))) == 12
    assert run_study(sf, out).computed == 0


def test_a_foreign_directory_is_not_touched_not_even_by_the_lock(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("keep")
    with pytest.raises(InputError, match="not empty and holds no study"):
        run_study(write(POSTURE_STUDY), out)
    assert [x.name for x in out.iterdir()] == ["thesis.tex"]


# --------------------------------------------------------------------------- item 3: reads


@contextlib.contextmanager
def _read_only_filesystem() -> Iterator[None]:
    """Every way of removing or replacing a file fails as on a read-only mount (EROFS)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    mp = pytest.MonkeyPatch()
    for mod, name in (
        (os, "unlink"),
        (os, "remove"),
        (os, "replace"),
        (os, "rename"),
        (os, "rmdir"),
        (shutil, "rmtree"),
        (Path, "unlink"),
        (Path, "write_bytes"),
        (Path, "write_text"),
    ):
        mp.setattr(mod, name, refuse)
    try:
        yield
    finally:
        mp.undo()


def test_reads_never_write(rows_copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    """load_results on a store it may not change, holding a killed run's temporary files
    and an unreadable cell: it works, and changes nothing."""
    _, out = rows_copy
    (out / "cells" / ".cell-00000001.json.k3x9_a2b.tmp").write_text("{")  # mid-write
    (out / "replications" / ".cell-00000002.parquet.zz81abcd.tmp").write_bytes(b"PAR1")
    (out / "cells" / "cell-00000002.json").write_bytes(b"")  # lost at a power cut
    before = _tree(out)
    with _read_only_filesystem(), caplog.at_level(logging.WARNING):
        res = load_results(out)
    assert [r["cell"] for r in res.records] == [0, 1]
    assert "cells/cell-00000002.json: unreadable" in caplog.text
    assert _tree(out) == before


def test_the_next_run_removes_only_its_own_stale_files(rows_copy: tuple[Path, Path]) -> None:
    p, out = rows_copy
    ref_cells, ref_rows = _cells(out), _rows(out)
    stale = [
        out / "cells" / ".cell-00000001.json.k3x9_a2b.tmp",
        out / "replications" / ".cell-00000001.parquet.zz81abcd.tmp",
        out / ".study.q1w2e3r4.duckdb.tmp",
        out / ".study.q1w2e3r4.duckdb.tmp.wal",
        out / ".cells.parquet.a1b2c3d4.tmp",
        out / ".sensitivity.json.a1b2c3d4.tmp",
        out / ".study.json.a1b2c3d4.tmp",
    ]
    others = [out / "notes.txt", out / "cells" / ".editor.tmp", out / "replications" / "x.tmp"]
    for f in stale + others:
        f.write_bytes(b"left over")
    (out / "cells" / "cell-00000001.json").unlink()
    res = run_study(p, out, per_replication=True)
    assert res.computed == 1
    assert [f.name for f in stale if f.exists()] == []
    assert all(f.read_bytes() == b"left over" for f in others)  # not ours: kept
    assert _cells(out) == ref_cells and _rows(out) == ref_rows


def test_stale_job_files_of_dead_runs_are_removed(tmp_path: Path) -> None:
    from shieldlab.montecarlo._pool import job_file, remove_stale_job_files

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"shieldlab-job-{dead_pid}-abcd1234.pickle"
    mine = tmp_path / f"shieldlab-job-{os.getpid()}-abcd1234.pickle"
    legacy = tmp_path / "shieldlab-job-abcd1234.pickle"  # no pid: cannot tell whose
    other = tmp_path / "unrelated.pickle"
    for f in (stale, mine, legacy, other):
        f.write_bytes(b"job")
    assert remove_stale_job_files(str(tmp_path)) == [stale]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(
        f.name for f in (mine, legacy, other)
    )
    # A job file in use names its (live) process and survives another run's sweep.
    import tempfile

    old = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        with job_file(b"payload") as path:
            assert Path(path).name.startswith(f"shieldlab-job-{os.getpid()}-")
            assert remove_stale_job_files(str(tmp_path)) == []
            assert Path(path).read_bytes() == b"payload"
        assert not Path(path).exists()
    finally:
        tempfile.tempdir = old


LONG_ROWS_STUDY = """\
version: 1
name: busy
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 5, 6, 7, 8, 9, 10, 11]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2, 3]}
replications: 256
seed: 5
"""


@pytest.mark.slow
def test_reading_during_a_per_replication_run_does_not_disturb_it(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    """A load_results loop for as long as a --per-replication run lasts (the issue: the
    run crashed 3 of 3 times, its temporary files deleted under it)."""
    p = write(LONG_ROWS_STUDY)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldlab.cli.main", "study", "run", str(p), "--out", str(out),
         "--per-replication", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    reads, seen = 0, set()
    try:
        while proc.poll() is None:  # the state waited on: the run has ended
            try:
                res = load_results(out)
            except InputError:  # not started yet (no study.json)
                continue
            reads += 1
            seen.add(len(res.records))
    finally:
        stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert json.loads(stdout)["cells_done"] == 24
    assert reads > 0 and len(seen) > 1, (reads, seen)  # it did read mid-run
    assert len(load_results(out).records) == 24


# --------------------------------------------------------------------------- item 5: checks


def test_a_junk_rows_file_is_recomputed(rows_copy: tuple[Path, Path]) -> None:
    p, out = rows_copy
    ref_cells, ref_rows = _cells(out), _rows(out)
    (out / "replications" / "cell-00000001.parquet").write_bytes(b"junk")
    assert [r["cell"] for r in load_results(out).records] == [0, 2]
    res = run_study(p, out, per_replication=True)
    assert (res.computed, res.resumed) == (1, 2)
    assert _cells(out) == ref_cells and _rows(out) == ref_rows
    res = run_study(p, out, per_replication=True)  # and it stays fixed
    assert res.computed == 0


def test_a_deleted_rows_file_is_detected(
    rows_copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    duckdb = pytest.importorskip("duckdb")
    p, out = rows_copy
    (out / "replications" / "cell-00000002.parquet").unlink()
    with caplog.at_level(logging.WARNING):
        assert len(load_results(out).records) == 2
    assert "replications/cell-00000002.parquet is missing" in caplog.text
    res = run_study(p, out, per_replication=True)
    assert res.computed == 1
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM replications").fetchone()
    con.close()
    assert n == (3 * 64,)  # no row silently dropped


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{}", "not a cell record"),
        ("[1, 2]", "not a cell record (not a JSON object)"),
        ("drop-output", "output 'p_any_leak' is missing"),
        ("string-output", "output 'leakers' is not a number"),
        ("other-cell", "holds cell 0, not 1"),
        ("no-rows", "no record of its per-replication rows"),
    ],
)
def test_a_malformed_cell_file_counts_as_missing(
    rows_copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture, content: str, why: str
) -> None:
    p, out = rows_copy
    ref = _cells(out)
    f = out / "cells" / "cell-00000001.json"
    rec = json.loads(f.read_text())
    if content == "drop-output":
        del rec["outputs"]["p_any_leak"]
        content = json.dumps(rec)
    elif content == "string-output":
        rec["outputs"]["leakers"] = "many"
        content = json.dumps(rec)
    elif content == "other-cell":
        content = (out / "cells" / "cell-00000000.json").read_text()
    elif content == "no-rows":
        del rec["rows"]
        content = json.dumps(rec)
    f.write_text(content)
    with caplog.at_level(logging.WARNING):
        res = load_results(out)
    assert [r["cell"] for r in res.records] == [0, 2]
    assert f"cells/cell-00000001.json: {why}" in caplog.text
    assert run_study(p, out, per_replication=True).computed == 1
    assert _cells(out) == ref


def test_show_of_malformed_cells_is_one_line_exit_0(rows_copy: tuple[Path, Path]) -> None:
    _, out = rows_copy
    (out / "cells" / "cell-00000000.json").write_text("{}")
    rec = json.loads((out / "cells" / "cell-00000001.json").read_text())
    del rec["outputs"]["leakers"]
    (out / "cells" / "cell-00000001.json").write_text(json.dumps(rec))
    for extra in ((), ("--json",)):
        res = subprocess.run(
            [sys.executable, "-m", "shieldlab.cli.main", "study", "show", str(out), *extra],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        assert res.stderr.count("\n") == 1 and "2 stored cell files do not count" in res.stderr
        assert "cells/cell-00000000.json: not a cell record" in res.stderr
    assert json.loads(res.stdout)["cells_done"] == 1


def test_a_cell_beyond_the_study_is_ignored(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(POSTURE_STUDY)
    out = tmp_path / "out"
    run_study(p, out)
    ref = _cells(out)
    rec = json.loads((out / "cells" / "cell-00000003.json").read_text())
    rec["cell"] = 99
    (out / "cells" / "cell-00000099.json").write_text(json.dumps(rec))
    res = load_results(out)
    assert len(res.records) == 12 and max(r["cell"] for r in res.records) == 11
    res = run_study(p, out)
    assert (res.computed, len(res.records)) == (0, 12)
    assert {k: v for k, v in _cells(out).items() if k != "cell-00000099.json"} == ref


def test_a_cell_of_another_study_is_rejected(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(POSTURE_STUDY)
    other = write(POSTURE_STUDY.replace("seed: 4", "seed: 5"), "other.yaml")
    run_study(p, tmp_path / "a")
    run_study(other, tmp_path / "b")
    ref = _cells(tmp_path / "a")
    shutil.copy(tmp_path / "b" / "cells" / "cell-00000004.json", tmp_path / "a" / "cells")
    assert len(load_results(tmp_path / "a").records) == 11
    assert run_study(p, tmp_path / "a").computed == 1
    assert _cells(tmp_path / "a") == ref


def test_a_cell_with_other_values_is_recomputed(write: Callable[..., Path], tmp_path: Path) -> None:
    """A cell file of this study (hash) whose factor values or seed were edited."""
    p = write(POSTURE_STUDY)
    out = tmp_path / "out"
    run_study(p, out)
    ref = _cells(out)
    f = out / "cells" / "cell-00000005.json"
    rec = json.loads(f.read_text())
    rec["values"][0] = 1.5
    f.write_text(json.dumps(rec))
    assert run_study(p, out).computed == 1
    assert _cells(out) == ref


@pytest.mark.parametrize(
    "manifest",
    ['{"format": 2}', "[]", '{"format": 1, "hash": "x"}', "{"],
)
def test_a_junk_manifest_is_one_clear_error(
    write: Callable[..., Path], tmp_path: Path, manifest: str
) -> None:
    out = tmp_path / "out"
    run_study(write(POSTURE_STUDY), out)
    (out / "study.json").write_text(manifest)
    with pytest.raises(InputError) as e:
        load_results(out)
    assert str(e.value).startswith(f"{out / 'study.json'}: ")
    assert "\n" not in str(e.value)


def test_scan_needs_no_lock_and_commit_needs_one(tmp_path: Path) -> None:
    d = tmp_path / "out"
    d.mkdir()
    store = StudyStore(d, {"hash": "h"})
    with pytest.raises(RuntimeError, match="open store"):
        store.commit({"cell": 0, "seed": 1, "values": [], "outputs": {}})
    with pytest.raises(InputError, match=r"no study\.json"):
        read_manifest(d)
