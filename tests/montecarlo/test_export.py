"""Exports of results (issue 11): to_frame, to_xarray, run --out FILE.{csv,parquet}, progress."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from shieldlab.cli import main as cli_main
from shieldlab.engine import compile_scenario, layout_of, run_replications
from shieldlab.errors import InputError
from shieldlab.montecarlo import simulate
from shieldlab.montecarlo.results import ROW_FIELDS, table_format, write_table
from shieldlab.montecarlo.studies import penetration_study
from shieldlab.scenario import scenario_by_name_or_path


@pytest.fixture(scope="module")
def res():  # type: ignore[no-untyped-def]
    return simulate(scenario_by_name_or_path("closed-form"), replications=600, seed=7)


def _call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_to_frame_holds_every_metric(res) -> None:  # type: ignore[no-untyped-def]
    frame = res.to_frame()
    assert list(frame.columns) == list(ROW_FIELDS[2:])
    leak = frame.loc[("", "leakers")]
    m = res.metrics["leakers"]
    assert (leak["mean"], leak["ci95_lo"], leak["ci95_hi"], leak["n"]) == (
        m.mean,
        m.ci95[0],
        m.ci95[1],
        600,
    )
    assert len(frame) == len(res.metrics) + sum(len(g) for g in res.by_type.values())
    assert frame.loc[("kills_by_layer", res.layers[0]), "kind"] == "mean"
    assert frame.attrs["seed"] == 7 and frame.attrs["doctrine"] == res.doctrine
    # std is the per-replication standard deviation of the engine's rows.
    cs = compile_scenario(scenario_by_name_or_path("closed-form"))
    rows = run_replications(cs, seed=7, first=0, count=600)
    col = rows[:, layout_of(cs).columns()["interceptors_fired"]]
    assert frame.loc[("", "interceptors_fired"), "std"] == pytest.approx(col.std(ddof=1))


def test_csv_and_parquet_hold_the_same_rows(res, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    write_table(res, str(tmp_path / "r.csv"))
    write_table(res, str(tmp_path / "r.parquet"))
    with open(tmp_path / "r.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    table = pq.read_table(tmp_path / "r.parquet")
    pq_rows = table.to_pylist()
    assert len(rows) == len(pq_rows) == len(res.rows())
    for a, b, want in zip(rows, pq_rows, res.rows(), strict=True):
        assert a["metric"] == b["metric"] == want["metric"]
        assert a["group"] == b["group"] == want["group"]
        for key in ("mean", "ci95_lo", "ci95_hi", "std"):
            x = want[key]
            if isinstance(x, float) and math.isnan(x):
                assert a[key] == "" and (b[key] is None or math.isnan(b[key]))
            else:
                assert float(a[key]) == x and b[key] == x  # repr round-trips floats
        assert int(a["n"]) == b["n"] == want["n"]
        assert b["scenario"] == "closed-form" and b["seed"] == 7
    meta = table.schema.metadata
    assert json.loads(meta[b"shieldlab.doctrine"]) == res.doctrine


def test_run_out_writes_the_file_and_json_has_n_std(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_csv = tmp_path / "out.csv"
    code, out, _ = _call(capsys, "run", "closed-form", "-n", "300", "--json", "--out", str(out_csv))
    assert code == 0
    d = json.loads(out)
    with open(out_csv, newline="") as fh:
        rows = {(r["group"], r["metric"]): r for r in csv.DictReader(fh)}
    for key in ("leakers", "p_zero_leakers", "interceptors_fired"):
        assert float(rows[("", key)]["mean"]) == d["metrics"][key]["mean"]
        assert float(rows[("", key)]["std"]) == d["metrics"][key]["std"]
        assert int(rows[("", key)]["n"]) == d["metrics"][key]["n"] == 300


def test_bad_suffix_and_missing_pyarrow_exit_2_before_running(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _call(
        capsys, "run", "closed-form", "-n", "10", "--out", str(tmp_path / "r.xlsx")
    )
    assert code == 2 and "--out" in err and ".parquet" in err
    assert not (tmp_path / "r.xlsx").exists()
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # import now fails: not installed
    code, _, err = _call(
        capsys, "run", "closed-form", "-n", "10", "--out", str(tmp_path / "r.parquet")
    )
    assert code == 2 and "shieldlab[store]" in err and "Traceback" not in err
    assert not (tmp_path / "r.parquet").exists()
    with pytest.raises(InputError, match="shieldlab\\[store\\]"):
        table_format("x.parquet")
    assert table_format("X.CSV") == "csv"  # csv needs no optional package


def test_to_frame_without_pandas_names_the_extra(res, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(InputError, match="pip install 'shieldlab\\[store\\]'"):
        res.to_frame()


def test_penetration_study_to_xarray() -> None:
    sc = scenario_by_name_or_path("closed-form")
    study = penetration_study(sc, [10, 30, 50], interceptors=[0, 40], replications=200, seed=3)
    ds = study.to_xarray(k=[1, 5])
    assert dict(ds.sizes) == {"interceptors": 2, "raid_size": 3, "bound": 2, "k": 2}
    np.testing.assert_array_equal(ds["mean_leakers"].values, study.mean())
    np.testing.assert_array_equal(ds["p_at_least"].sel(k=5).values, study.p_at_least(5))
    np.testing.assert_array_equal(
        ds["p_at_least_ci95"].sel(k=1).values, study.p_at_least_interval(1)
    )
    ci = ds["mean_leakers_ci95"].values
    assert np.all(ci[..., 0] >= 0.0) and np.all(ci[..., 1] <= ds["raid_size"].values[None, :])
    assert np.all(ci[..., 0] <= study.mean()) and np.all(study.mean() <= ci[..., 1])
    assert ds.attrs["replications"] == 200
    # No interceptors: every threat leaks, so the mean sits on the bound.
    np.testing.assert_array_equal(ds["mean_leakers"].sel(interceptors=0).values, [10, 30, 50])


def test_progress_reports_the_end_of_compilation_first() -> None:
    calls: list[tuple[int, int]] = []
    simulate(
        scenario_by_name_or_path("closed-form"),
        replications=5_000,
        seed=1,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[0] == (0, 5_000)  # compiled and warm, nothing simulated yet
    assert calls[-1] == (5_000, 5_000) and len(calls) >= 3


def test_kernel_cache_state_is_known() -> None:
    from shieldlab.engine.batch import kernel_cached

    run_replications(
        compile_scenario(scenario_by_name_or_path("closed-form")), seed=0, first=0, count=1
    )
    assert kernel_cached() is True


def test_kernel_cache_cold_in_an_empty_cache_dir(tmp_path: Path) -> None:
    import os
    import subprocess

    code = "from shieldlab.engine.batch import kernel_cached; print(kernel_cached())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"  # the front ends then say "compiling (first run only)"


def test_engine_source_reports_each_run() -> None:
    from shieldlab.stability.engine_curves import EngineRuns, EngineSource

    seen: list[tuple[int, int, int]] = []
    src = EngineSource(
        scenario=scenario_by_name_or_path("closed-form"),
        replications=50,
        progress=lambda *a: seen.append(a),
    )
    runs = EngineRuns(src)
    runs.histogram(40, 10)
    runs.histogram(40, 10)  # cached: no new run
    runs.histogram(20, 12)
    assert seen == [(1, 40, 10), (2, 20, 12)]
    assert src == EngineSource(scenario=src.scenario, replications=50)  # not identity
