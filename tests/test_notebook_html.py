"""Notebook display: ``_repr_html_`` of run results, comparisons, penetration curves and
studies is an HTML table whose rows hold the right values, with every text escaped.

The HTML is parsed back (``html.parser``) into tables of cell texts; numbers are read
back and checked against the objects they show.
"""

from __future__ import annotations

import dataclasses
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shieldlab.montecarlo import penetration_curve, simulate
from shieldlab.montecarlo.compare import compare
from shieldlab.montecarlo.studies import penetration_study
from shieldlab.scenario import builtin_scenario
from shieldlab.stability.penetration import DefenceModel, closed_form_curve
from shieldlab.study import StudyResults


@dataclasses.dataclass
class Table:
    caption: str = ""
    header: list[str] = dataclasses.field(default_factory=list)
    rows: list[list[str]] = dataclasses.field(default_factory=list)


class _Tables(HTMLParser):
    """Every <table> of a fragment: caption, header cells, body rows (cell texts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.paragraphs: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.row: list[str] | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "table":
            self.tables.append(Table())
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th", "caption", "p"):
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> in {self.stack}"
        self.stack.pop()
        t = self.tables[-1] if self.tables else None
        if tag in ("td", "th") and self.row is not None:
            self.row.append("".join(self.text))
        elif tag == "caption" and t is not None:
            t.caption = "".join(self.text)
        elif tag == "p":
            self.paragraphs.append("".join(self.text))
        elif tag == "tr" and t is not None and self.row is not None:
            (t.header.extend if self.in_head else t.rows.append)(self.row)  # type: ignore[operator]
            self.row = None
        elif tag == "thead":
            self.in_head = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(fragment: str) -> _Tables:
    p = _Tables()
    p.feed(fragment)
    p.close()
    assert p.stack == [], f"unclosed tags: {p.stack}"
    return p


def num(text: str) -> float:
    """The first number of a cell ('1,234', '0.5 [0.4, 0.6]', '3.2 ±0.1')."""
    m = re.search(r"-?[\d,]*\.?\d+(?:e[+-]?\d+)?", text)
    assert m, text
    return float(m.group(0).replace(",", ""))


def numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?[\d,]*\.?\d+(?:e[+-]?\d+)?", text)]


def close(a: float, b: float, rel: float = 5e-4) -> bool:
    """Equal to the four significant digits shown."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


@pytest.fixture(scope="module")
def run() -> Any:
    return simulate(builtin_scenario("closed-form"), replications=400, seed=3)


def test_results_table_has_every_metric_with_its_mean_and_interval(run: Any) -> None:
    page = parse(run._repr_html_())
    assert page.paragraphs == [run.headline]
    (t,) = page.tables
    assert t.header == ["group", "metric", "mean", "95 % interval"]
    assert t.caption == f"{run.scenario}: 400 replications, seed 3"
    expected = [("", k, m) for k, m in run.metrics.items()]
    expected += [(g, k, m) for g, items in run.by_type.items() for k, m in items.items()]
    assert [(r[0], r[1]) for r in t.rows] == [(g, k) for g, k, _ in expected]
    for row, (_, name, m) in zip(t.rows, expected, strict=True):
        if math.isfinite(m.mean):
            assert close(num(row[2]), m.mean), (name, row, m.mean)
        if m.is_constant or not math.isfinite(m.ci95[0]):
            assert row[3] == "", (name, row)  # no interval for a constant outcome
        else:
            lo, hi = numbers(row[3])
            assert close(lo, m.ci95[0]) and close(hi, m.ci95[1]), (name, row, m.ci95)
    leak = next(r for r in t.rows if r[1] == "leakers")
    assert leak[3].startswith("[")


def test_results_html_escapes_names(run: Any) -> None:
    evil = '<script>alert("x")</script> & co'
    res = dataclasses.replace(
        run,
        scenario=evil,
        by_type={evil: dict(run.metrics)},
    )
    raw = res._repr_html_()
    assert "<script>" not in raw
    page = parse(raw)
    (t,) = page.tables
    assert t.caption.startswith(evil)
    assert any(r[0] == evil for r in t.rows)


def test_comparison_html_rows(run: Any) -> None:
    a = builtin_scenario("closed-form")
    cmp = compare(a, a, replications=200, seed=1)
    (t,) = parse(cmp._repr_html_()).tables
    assert t.header[:4] == ["outcome", "A", "B", "B − A"]
    assert [r[0] for r in t.rows] == list(cmp.differences)
    for r, d in zip(t.rows, cmp.differences.values(), strict=True):
        if math.isfinite(d.diff):
            assert num(r[3]) == pytest.approx(d.diff, abs=1e-9)  # A vs A: 0 exactly
        assert r[4] == ""  # a zero-width interval is not shown


def test_penetration_curve_table() -> None:
    sc = builtin_scenario("closed-form")
    pts = penetration_curve(sc, [2, 6], replications=300, seed=1)
    assert isinstance(pts, list) and len(pts) == 2  # still a list of points
    (t,) = parse(pts._repr_html_()).tables
    assert t.header[0] == "raid size"
    assert [int(num(r[0])) for r in t.rows] == [2, 6]
    for r, p in zip(t.rows, pts, strict=True):
        assert close(num(r[1]), p.leakers.mean)
        if not p.leakers.is_constant:
            assert numbers(r[1])[1:] == pytest.approx(list(p.leakers.ci95), rel=5e-4)
        assert close(num(r[2]), p.leak_fraction)
        assert close(num(r[3]), p.p_zero_leakers.mean)
        assert close(num(r[4]), p.interceptors_fired.mean)


def test_penetration_study_table() -> None:
    sc = builtin_scenario("closed-form")
    st = penetration_study(sc, [2, 4], interceptors=[None, 2], replications=200, seed=4)
    (t,) = parse(st._repr_html_()).tables
    assert len(t.rows) == 4
    mean, ci, p1 = st.mean(), st.interval(), st.p_at_least(1)
    for k, r in enumerate(t.rows):
        i, j = divmod(k, 2)
        assert r[0] == ("scenario's own" if i == 0 else "2")
        assert int(num(r[1])) == int(st.raid_sizes[j])
        vals = numbers(r[2])
        assert close(vals[0], mean[i, j]) and vals[1:] == pytest.approx(ci[i, j], rel=5e-4)
        assert close(num(r[3]), p1[i, j])


def test_stability_curve_table_hand_case() -> None:
    # I = 10, n = 2, SSPK 0.5 (tests/stability/test_stability_penetration.py): 3 warheads
    # all engaged, expected 3 * 0.25 = 0.75; 7 warheads, 5 engaged: 2 + 5 * 0.25 = 3.25.
    curve = closed_form_curve(DefenceModel(interceptors=10, shots_per_threat=2, sspk=0.5), [3, 7])
    (t,) = parse(curve._repr_html_()).tables
    assert "closed-form" in t.caption and "10 interceptors" in t.caption
    assert [r[:3] for r in t.rows] == [["3", "3", "0.75"], ["7", "7", "3.25"]]
    assert close(num(t.rows[0][3]), 1 - 0.75**3)
    assert t.header[3] == "P(at least 1 penetrate)"


def _study(records: list[dict[str, Any]], **kw: Any) -> StudyResults:
    base: dict[str, Any] = {
        "name": "s<1>",
        "design": "grid",
        "factors": ("raid_size", "sspk & scale"),
        "outputs": ("leakers", "leakers_ci_low", "leakers_ci_high", "p_any_leak"),
        "records": records,
        "sensitivity": None,
        "n_cells": len(records),
        "computed": len(records),
        "resumed": 0,
        "directory": None,
    }
    base.update(kw)
    return StudyResults(**base)


def _record(cell: int, size: int, scale: float, leak: float) -> dict[str, Any]:
    return {
        "cell": cell,
        "seed": 7,
        "values": [size, scale],
        "outputs": {
            "leakers": leak,
            "leakers_ci_low": leak - 0.25,
            "leakers_ci_high": leak + 0.25,
            "p_any_leak": 0.5,
        },
    }


def test_study_table_of_cells_and_escaping() -> None:
    recs = [_record(i, 8 * (i + 1), 0.5, 1.5 + i) for i in range(3)]
    raw = _study(recs, n_cells=5)._repr_html_()
    assert "<1>" not in raw and "& scale" not in raw
    page = parse(raw)
    assert "incomplete" in page.paragraphs[0]
    (t,) = page.tables
    assert t.header == ["cell", "raid_size", "sspk & scale", "leakers ±95 %", "p_any_leak"]
    assert t.caption.startswith("s<1>: grid design, 3 of 5 cells")
    for r, rec in zip(t.rows, recs, strict=True):
        assert int(r[0]) == rec["cell"] and int(num(r[1])) == rec["values"][0]
        assert numbers(r[3]) == pytest.approx([rec["outputs"]["leakers"], 0.25])
        assert num(r[4]) == 0.5


def test_study_table_is_capped_and_sensitivity_sorted() -> None:
    recs = [_record(i, i, 0.5, 1.0) for i in range(60)]
    sens = []
    for f, (s1, st) in {"raid_size": (0.1, 0.2), "sspk & scale": (0.7, 0.8)}.items():
        sens += [
            {"output": "leakers", "factor": f, "measure": "S1", "value": s1, "low": s1 - 0.05,
             "high": s1 + 0.05},
            {"output": "leakers", "factor": f, "measure": "ST", "value": st, "low": np.nan,
             "high": np.nan},
        ]  # fmt: skip
    page = parse(_study(recs, design="sobol", sensitivity=sens)._repr_html_())
    cells, indices = page.tables
    assert len(cells.rows) == 40 and "first 40 shown" in cells.caption
    assert indices.header == ["factor", "S1", "ST"]
    assert [r[0] for r in indices.rows] == ["sspk & scale", "raid_size"]  # by ST
    assert numbers(indices.rows[0][1]) == pytest.approx([0.7, 0.65, 0.75])
    assert indices.rows[0][2] == "0.800"  # no interval: NaN bounds


def test_study_results_from_a_run(tmp_path: Path) -> None:
    from shieldlab.study import run_study

    study = tmp_path / "s.yaml"
    study.write_text(
        "version: 1\nname: nb\nbase: {scenario: closed-form}\nfactors:\n"
        "  - {name: raid_size, path: raid.size, values: [2, 4]}\nreplications: 100\nseed: 1\n",
        encoding="utf-8",
    )
    res = run_study(study)
    (t,) = parse(res._repr_html_()).tables
    assert [int(num(r[1])) for r in t.rows] == [2, 4]
    for r, v in zip(t.rows, res.column("leakers"), strict=True):
        assert num(r[2]) == pytest.approx(v, abs=0.005)
