"""``shieldlab run``: what leaks by class and wave, type x class, magazines, headline, cost."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from shieldlab.cli import main as cli_main


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_table_shows_the_breakdown_and_headline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "run", "four-batteries", "-n", "300", "--seed", "2")
    assert code == 0
    assert out.splitlines()[0].startswith("In ") and "warhead gets through" in out
    for title in (
        "What leaks, by threat class",
        "What leaks, by wave",
        "Interceptor type x threat class",
        "Magazines at the end of the raid",
        "raid cost consumed",
        "interceptor cost / missiles and decoys only",
        "aircraft shot down (of 16)",
        "interceptors fired at decoys",
        "surviving aircraft are reusable and not counted",
    ):
        assert title in out, title
    # Piped output: names are not folded mid-word at 80 columns.
    assert "s400-class-medium-range-interceptor" in out
    assert "srbm-second-salvo" in out


def test_constant_outcome_row_has_no_interval(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "run", "four-batteries", "-n", "300", "--seed", "2")
    assert code == 0
    row = next(line for line in out.splitlines() if "threats engaged" in line)
    assert "64.00" in row and "[" not in row


def test_json_and_out_carry_the_breakdown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    code, out, _ = call(capsys, "run", "four-batteries", "-n", "300", "--json", "--out", str(path))
    assert code == 0
    d = json.loads(out)
    assert "warhead" in d["headline"] and "aircraft" in d["cost_basis"]
    assert set(d["metrics"]["leakers_by_class"]) == {"ballistic", "cruise", "aircraft"}
    assert "battery-north" in d["metrics"]["rounds_left_by_battery"]
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    groups = {r["group"] for r in rows}
    assert {"leakers_by_class", "kills_by_wave", "fired_by_type_and_class"} <= groups
    assert {"reloads_by_battery", "rounds_left_by_battery"} <= groups
