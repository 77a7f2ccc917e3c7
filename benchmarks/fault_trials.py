"""Fault trials of issue 21: real processes, real signals, real file systems; a table.

Run: ``python benchmarks/fault_trials.py [--rounds N]`` (a few minutes; 2 cores). Every
trial starts the real ``shieldlab`` command (through ``tests/_child.py`` where it must
stop at a known state: holding before study cell ``k``, so no trial waits on a clock) and
checks the outcome against the contracts of docs/architecture.md and docs/study.md:

- **concurrent**: a second ``study run`` into a running study's ``--out`` exits 2 naming
  the holder; the first completes with exactly its cells.
- **takeover**: the holder is SIGKILLed; the next run takes the lock over and completes,
  bit-identical to a clean run.
- **read-during-run**: ``study show`` three times while a ``--per-replication`` run holds;
  each exits 0 and the run, resumed, is bit-identical.
- **corruption**: a junk cell file, a deleted rows file, a ``{}`` cell, a cell numbered
  beyond the study, a cell of another study; ``show`` exits 0, resume recomputes exactly
  those, bit-identical.
- **resume**: SIGKILL or Ctrl-C (SIGINT) before cell k = 1, 2, 3; resume bit-identical.
- **read-only / full / file-size limit**: ``run --out``, ``run --report`` and
  ``study run`` into a read-only or full tmpfs (root with ``mount`` only, else skipped)
  and under ``ulimit -f``: exit 2, one line, nothing left behind.

Bit-identical: the records (cell, seed, values, outputs) of ``study run --json`` equal
those of a clean run with the same study.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = str(ROOT / "tests" / "_child.py")
STUDY = """\
version: 1
name: trials
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 6, 8, 10, 12]}
replications: 100
seed: 11
"""
HANG_S = 600.0


def cli(*args: str, cwd: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def pre() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=HANG_S,
        preexec_fn=pre if limit is not None else None,
    )


def hold(work: Path, k: int, *args: str) -> subprocess.Popen[str]:
    """``shieldlab *args`` holding before its cell ``k`` (a state, not a time)."""
    marker = work / f"holding-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [sys.executable, CHILD, str(marker), "cell", str(k), "--", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=work,
    )
    deadline = time.monotonic() + HANG_S
    while not marker.exists():
        if proc.poll() is not None:
            raise RuntimeError(
                f"ended before cell {k}: {proc.stderr.read() if proc.stderr else ''}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError("no state reached")
        time.sleep(0.05)  # polling for the state
    return proc


def records(res: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout)["records"]  # type: ignore[no-any-return]


def one_line_2(res: subprocess.CompletedProcess[str], words: str) -> bool:
    lines = res.stderr.strip().splitlines()
    return res.returncode == 2 and len(lines) == 1 and words in lines[0].lower()


class Tally:
    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}
        self.notes: dict[str, str] = {}

    def add(self, cls: str, ok: bool, note: str = "") -> None:
        row = self.rows.setdefault(cls, [0, 0])
        row[0] += 1
        row[1] += int(ok)
        if note:
            self.notes[cls] = note
        if not ok:
            print(f"FAILED: {cls}: {note}", file=sys.stderr)

    def table(self) -> str:
        out = ["| class | trials | as the contract says | outcome |", "|---|---:|---:|---|"]
        for cls, (n, ok) in self.rows.items():
            out.append(f"| {cls} | {n} | {ok} | {self.notes.get(cls, '')} |")
        return "\n".join(out)


def trial_concurrent(work: Path, clean: list[dict[str, object]], t: Tally) -> None:
    a = hold(work, 1, "study", "run", "s.yaml", "--out", "c", "--json")
    b = cli("study", "run", "s.yaml", "--out", "c", "--fresh", cwd=work)
    a.send_signal(signal.SIGINT)
    a.communicate(timeout=HANG_S)
    resumed = cli("study", "run", "s.yaml", "--out", "c", "--json", cwd=work)
    n_files = len(list((work / "c" / "cells").glob("cell-*.json")))
    ok = one_line_2(b, "in use by another") and records(resumed) == clean and n_files == 5
    t.add("concurrent runs", ok, "second run exit 2 naming the holder; 5 of 5 cells")
    shutil.rmtree(work / "c")


def trial_takeover(work: Path, clean: list[dict[str, object]], t: Tally, k: int) -> None:
    a = hold(work, k, "study", "run", "s.yaml", "--out", "k", "--json")
    a.kill()
    a.communicate(timeout=HANG_S)
    b = cli("study", "run", "s.yaml", "--out", "k", "--json", cwd=work)
    ok = b.returncode == 0 and records(b) == clean and not list((work / "k").rglob("*.tmp"))
    t.add("takeover after SIGKILL", ok, "lock taken over, bit-identical, no temp files left")
    shutil.rmtree(work / "k")


def trial_read_during_run(work: Path, clean: list[dict[str, object]], t: Tally) -> None:
    a = hold(work, 2, "study", "run", "s.yaml", "--out", "r", "--per-replication", "--json")
    shows = [cli("study", "show", "r", "--json", cwd=work) for _ in range(3)]
    a.send_signal(signal.SIGINT)
    a.communicate(timeout=HANG_S)
    resumed = cli("study", "run", "s.yaml", "--out", "r", "--per-replication", "--json", cwd=work)
    ok = all(s.returncode == 0 for s in shows) and records(resumed) == clean
    t.add("read during a run", ok, "3 x study show exit 0; run resumed bit-identical")
    shutil.rmtree(work / "r")


def _corrupt(d: Path, how: str) -> None:
    cells = d / "cells"
    if how == "junk":
        (d / "replications" / "cell-00000001.parquet").write_bytes(b"junk")
    elif how == "deleted rows":
        (d / "replications" / "cell-00000002.parquet").unlink()
    elif how == "{}":
        (cells / "cell-00000003.json").write_text("{}")
    elif how == "beyond":
        shutil.copy(cells / "cell-00000000.json", cells / "cell-00000099.json")
    elif how == "other study":
        rec = json.loads((cells / "cell-00000004.json").read_text())
        rec["study"] = "0" * 64
        (cells / "cell-00000004.json").write_text(json.dumps(rec))


def trial_corruption(work: Path, clean: list[dict[str, object]], t: Tally, how: str) -> None:
    args = ("study", "run", "s.yaml", "--out", "x", "--per-replication", "--json")
    records(cli(*args, cwd=work))
    _corrupt(work / "x", how)
    show = cli("study", "show", "x", "--json", cwd=work)
    again = cli(*args, cwd=work)
    ok = show.returncode == 0 and records(again) == clean
    t.add("corrupted store", ok, "junk/deleted/{}/beyond/foreign cells: show 0, recomputed")
    shutil.rmtree(work / "x")


def trial_resume(
    work: Path, clean: list[dict[str, object]], t: Tally, sig: signal.Signals, k: int
) -> None:
    a = hold(work, k, "study", "run", "s.yaml", "--out", "z", "--json")
    a.send_signal(sig)
    _, err = a.communicate(timeout=HANG_S)
    b = cli("study", "run", "s.yaml", "--out", "z", "--json", cwd=work)
    want_rc = -signal.SIGKILL if sig == signal.SIGKILL else 130
    ok = a.returncode == want_rc and records(b) == clean
    if sig == signal.SIGINT:
        ok = ok and err.strip() == "shieldlab: interrupted"
    name = "SIGKILL" if sig == signal.SIGKILL else "Ctrl-C"
    t.add(f"{name} and resume", ok, "killed before cell 1-3, resumed bit-identical")
    shutil.rmtree(work / "z")


@contextlib.contextmanager
def tmpfs(where: Path, readonly: bool) -> Iterator[Path | None]:
    where.mkdir()
    opts = "size=64k" + (",ro" if readonly else "")
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True
        ).returncode
    ):
        yield None
        return
    try:
        if not readonly:
            with contextlib.suppress(OSError), open(where / "fill", "wb") as fh:
                while True:
                    fh.write(b"\0" * 4096)
                    fh.flush()
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def trial_outputs(work: Path, t: Tally) -> None:
    for readonly, cls, words in (
        (True, "read-only disk", "read-only"),
        (False, "full disk", "no space"),
    ):
        with tmpfs(work / ("ro" if readonly else "full"), readonly) as mnt:
            if mnt is None:
                t.add(cls + " (skipped: needs root and mount)", True)
                continue
            before = sorted(p.name for p in mnt.iterdir())
            for args in (
                ("run", "single-battery", "-n", "20", "--out", str(mnt / "x.csv")),
                ("run", "single-battery", "-n", "20", "--report", str(mnt / "rep")),
                ("study", "run", "s.yaml", "--out", str(mnt / "res")),
            ):
                res = cli(*args, cwd=work)
                after = sorted(p.name for p in mnt.iterdir())
                t.add(
                    cls,
                    one_line_2(res, words) and after == before,
                    "exit 2 before the run, one line",
                )
    out = work / "m.csv"
    out.write_text("old\n")
    res = cli("run", "single-battery", "-n", "20", "--out", str(out), cwd=work, limit=4096)
    ok = one_line_2(res, "file-size limit") and out.read_text() == "old\n"
    t.add("file-size limit (EFBIG)", ok, "exit 2, old file kept, no temp file")
    out.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1, help="repeat the signal trials")
    ns = ap.parse_args()
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="shieldlab-trials-") as tmp:
        work = Path(tmp)
        (work / "s.yaml").write_text(STUDY, encoding="utf-8")
        clean = records(cli("study", "run", "s.yaml", "--out", "clean", "--json", cwd=work))
        t0 = time.perf_counter()
        steps: list[Callable[[], None]] = []
        for _ in range(ns.rounds):
            steps.append(lambda: trial_concurrent(work, clean, t))
            steps += [lambda k=k: trial_takeover(work, clean, t, k) for k in (1, 2, 3)]
            steps.append(lambda: trial_read_during_run(work, clean, t))
            steps += [
                lambda sig=sig, k=k: trial_resume(work, clean, t, sig, k)
                for sig in (signal.SIGKILL, signal.SIGINT)
                for k in (1, 2, 3)
            ]
        steps += [
            lambda how=how: trial_corruption(work, clean, t, how)
            for how in ("junk", "deleted rows", "{}", "beyond", "other study")
        ]
        steps.append(lambda: trial_outputs(work, t))
        for step in steps:
            step()
        print(t.table())
        print(f"\n{sum(r[0] for r in t.rows.values())} trials in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
