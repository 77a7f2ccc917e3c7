"""Executors for ``simulate``: same numbers for a seed on every backend and worker count,
the reusable pool (kept across calls, dropped on Ctrl-C or a dead worker, never a hang),
``open_executor`` and ``run --scheduler`` (Dask)."""

from __future__ import annotations

import json
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from scenarios import small_scenario

from shieldlab.cli import main as cli_main
from shieldlab.errors import InputError
from shieldlab.montecarlo import _pool, backends, runner, simulate
from shieldlab.montecarlo.backends import InlineExecutor, open_executor
from shieldlab.montecarlo.runner import CHUNK

SCENARIO = small_scenario(snr_ref_db=8.0, m=2, n=3, sspk=0.55, salvo=1, sls=True, max_engagements=2)
REPS = 2 * CHUNK + 5  # three chunks, the last one short


def _numbers(res: Any) -> str:
    """Every reported number but the timing, as JSON text (so that NaN equals NaN)."""
    d = res.to_dict()
    d.pop("timing")
    return json.dumps(d, sort_keys=True)


@pytest.fixture(scope="module")
def reference() -> str:
    return _numbers(simulate(SCENARIO, replications=REPS, seed=11))


def test_same_numbers_on_every_executor(reference: str) -> None:
    with ThreadPoolExecutor(3) as threads:
        got = simulate(SCENARIO, replications=REPS, seed=11, executor=threads)
    assert got.timing["backend"] == "ThreadPoolExecutor"
    assert _numbers(got) == reference
    with open_executor(None, workers=1) as inline:
        assert isinstance(inline, InlineExecutor)
        got = simulate(SCENARIO, replications=REPS, seed=11, executor=inline)
    assert got.timing["backend"] == "in-process"
    assert _numbers(got) == reference
    with open_executor(None, workers=2) as pool:
        got = simulate(SCENARIO, replications=REPS, seed=11, executor=pool)
    assert got.timing["backend"] == "process pool, 2 workers"
    assert _numbers(got) == reference


@settings(max_examples=8, deadline=None)
@given(
    reps=st.integers(min_value=1, max_value=2 * CHUNK + 300),
    threads=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_executor_never_changes_the_numbers(reps: int, threads: int, seed: int) -> None:
    alone = simulate(SCENARIO, replications=reps, seed=seed)
    with ThreadPoolExecutor(threads) as ex:
        spread = simulate(SCENARIO, replications=reps, seed=seed, executor=ex)
    assert _numbers(spread) == _numbers(alone)


def _worker_pids() -> set[int]:
    pool = _pool._SHARED
    assert pool is not None
    return {p.pid for p in pool.processes()}


def test_pool_is_reused_across_calls(reference: str) -> None:
    first = simulate(SCENARIO, replications=REPS, seed=11, workers=2)
    pids = _worker_pids()
    assert len(pids) == 2
    again = simulate(SCENARIO, replications=REPS, seed=11, workers=2)
    assert _worker_pids() == pids  # the same processes: no second numba import
    assert _numbers(first) == _numbers(again) == reference


def test_ctrl_c_ends_the_workers_and_the_next_call_starts_afresh(
    reference: str,
) -> None:
    simulate(SCENARIO, replications=10, seed=11, workers=2)
    pids = _worker_pids()

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(SCENARIO, replications=REPS, seed=11, workers=2, progress=interrupt)
    assert _pool._SHARED is None
    for pid in pids:
        assert not _running(pid)
    got = simulate(SCENARIO, replications=REPS, seed=11, workers=2)
    assert _numbers(got) == reference
    assert not _worker_pids() & pids


def test_a_dead_worker_is_an_error_not_a_hang(reference: str) -> None:
    simulate(SCENARIO, replications=10, seed=11, workers=2)
    victim = min(_worker_pids())

    def kill_one(done: int, total: int) -> None:
        if done <= CHUNK:
            os.kill(victim, signal.SIGKILL)

    with pytest.raises(_pool.WorkerStartError):
        simulate(SCENARIO, replications=6 * CHUNK, seed=11, workers=2, progress=kill_one)
    got = simulate(SCENARIO, replications=REPS, seed=11, workers=2)
    assert _numbers(got) == reference


def test_a_pool_broken_between_two_results_is_a_worker_error(reference: str) -> None:
    """A worker that dies after one result and before the next submit breaks the pool
    there: ``submit`` raises BrokenProcessPool. Found by CI (1 run in many): it must be
    the same WorkerStartError as a death seen in a result, and the pool is replaced."""
    pool = _pool.shared_pool(2)
    real_submit = pool._executor.submit
    calls = 0

    def submit(fn: Any, /, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 2 * pool.workers:  # the first refill after a merged result
            raise BrokenProcessPool("A child process terminated abruptly")
        return real_submit(fn, *args)

    pool._executor.submit = submit  # type: ignore[method-assign]
    with pytest.raises(_pool.WorkerStartError, match="worker process died"):
        simulate(SCENARIO, replications=8 * CHUNK, seed=11, workers=2)
    assert _pool.shared_pool(2) is not pool  # discarded, a new one started
    assert _numbers(simulate(SCENARIO, replications=REPS, seed=11, workers=2)) == reference


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_open_executor_rejects_bad_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError) as exc, open_executor(None, workers=0):
        pass
    assert exc.value.location.field == "--workers"
    with pytest.raises(InputError) as exc, open_executor("  ", workers=1):
        pass
    assert exc.value.location.field == "--scheduler"
    monkeypatch.setattr(backends, "DASK_CONNECT_TIMEOUT_S", 1)
    with pytest.raises(InputError) as exc, open_executor("tcp://127.0.0.1:9", workers=1):
        pass
    assert exc.value.location.field == "--scheduler"


def test_missing_dask_is_exit_2_with_install_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["run", "--scheduler", "local", "-n", "10"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'shieldlab[dask]'" in err


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("distributed")
    args = ["run", "-n", str(REPS), "--seed", "5", "--json"]

    def run(*extra: str) -> dict[str, Any]:
        with pytest.raises(SystemExit) as exc:
            cli_main.main([*args, *extra])
            raise SystemExit(0)
        assert exc.value.code == 0
        d: dict[str, Any] = json.loads(capsys.readouterr().out)
        return d

    alone = run()
    dask = run("--scheduler", "local", "--workers", "2")
    assert dask["timing"].pop("backend").startswith("dask tcp://127.0.0.1:")
    assert alone["timing"].pop("backend") == "in-process"
    alone.pop("timing"), dask.pop("timing")
    assert dask == alone


def test_chunks_run_here_while_workers_start_change_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran_here: list[int] = []
    real = runner.run_job_chunk

    def spy(job: Any, first: int, count: int) -> Any:
        ran_here.append(first)
        return real(job, first, count)

    monkeypatch.setattr(runner, "run_job_chunk", spy)
    monkeypatch.setattr(_pool.WorkerPool, "warm", lambda self: False)  # never warm
    got = simulate(SCENARIO, replications=6 * CHUNK + 5, seed=11, workers=2)
    assert ran_here and ran_here[0] == 6 * CHUNK  # from the end of the run
    monkeypatch.undo()
    alone = simulate(SCENARIO, replications=6 * CHUNK + 5, seed=11)
    assert _numbers(got) == _numbers(alone)
