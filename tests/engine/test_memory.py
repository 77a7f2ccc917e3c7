"""Memory estimate before the tables are built (issue 21, item 12): a raid too large for
the memory available is refused with the figures (exit 2) before any table is allocated;
the estimate's counts are the compiled tables' own.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.engine import memory
from shieldlab.engine.compiled import compile_scenario
from shieldlab.errors import InputError
from shieldlab.montecarlo.studies import scale_raid
from shieldlab.scenario.loader import scenario_by_name_or_path


@pytest.mark.parametrize(("name", "n"), [("single-battery", 40), ("four-batteries", 60)])
def test_the_estimate_counts_the_compiled_tables(name: str, n: int) -> None:
    """Rows of the intercept tables and trajectory samples, from one threat per wave and
    aimpoint, agree with the compiled scenario's arrays (within 2 %: launch points differ)."""
    sc = scale_raid(scenario_by_name_or_path(name), n)
    est = memory.estimate(sc)
    cs = compile_scenario(sc)
    assert est.threats == cs.n_threats
    assert est.weapons == cs.n_weapons
    assert est.rows == pytest.approx(cs.it_time.shape[0], rel=0.02)
    assert est.samples == pytest.approx(cs.trajectories["t_s"].size, rel=0.02)


def test_the_estimate_grows_linearly_with_the_raid() -> None:
    base = scenario_by_name_or_path("four-batteries")
    small, large = (memory.estimate(scale_raid(base, n)).bytes for n in (1_000, 4_000))
    assert large / small == pytest.approx(4.0, rel=0.05)


def test_a_raid_beyond_the_memory_limit_is_refused_before_compiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shieldlab.engine.compiled as compiled

    sc = scale_raid(scenario_by_name_or_path("four-batteries"), 2_000)
    monkeypatch.setenv("SHIELDLAB_MEMORY_LIMIT_MB", "200")
    calls: list[int] = []
    real = compiled.launch_point_offsets
    monkeypatch.setattr(
        compiled, "launch_point_offsets", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    with pytest.raises(InputError) as exc:
        compile_scenario(sc)
    msg = str(exc.value)
    assert msg.startswith("field 'raid': 2,000 threats need about 1.3 GB")
    assert "0.2 GB are available" in msg and "SHIELDLAB_MEMORY_LIMIT_MB" in msg
    assert calls == []  # refused before the first table


def test_above_half_the_limit_is_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sc = scale_raid(scenario_by_name_or_path("four-batteries"), 300)
    est = memory.estimate(sc)
    monkeypatch.setenv("SHIELDLAB_MEMORY_LIMIT_MB", str(1.5 * est.bytes / 2**20))
    with caplog.at_level(logging.WARNING, logger="shieldlab.engine.memory"):
        assert memory.check(sc).bytes == est.bytes
    assert "more than half of the" in caplog.text


@pytest.mark.parametrize("raw", ["lots", "0"])
def test_a_bad_limit_is_one_line(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SHIELDLAB_MEMORY_LIMIT_MB", raw)
    with pytest.raises(InputError, match="SHIELDLAB_MEMORY_LIMIT_MB must be"):
        memory.available_bytes()


def test_study_cell_too_large_exits_2_one_line(tmp_path: Path) -> None:
    study = tmp_path / "big.yaml"
    study.write_text(
        "version: 1\nname: big\nbase: {scenario: four-batteries}\n"
        "factors:\n  - {name: raid_size, path: raid.size, values: [20000]}\n"
        "replications: 10\nseed: 2\n",
        encoding="utf-8",
    )
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "shieldlab.cli.main",
            "study",
            "run",
            str(study),
            "--out",
            str(tmp_path / "res"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "SHIELDLAB_MEMORY_LIMIT_MB": "4000"},
    )
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "20,000 threats need about 13.0 GB" in lines[0]
