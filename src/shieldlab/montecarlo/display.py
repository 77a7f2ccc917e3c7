"""Notebook display (``_repr_html_``) of run results: a headline and a table, not text.

Plain HTML strings (no plotting library): Jupyter renders them as tables.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from shieldlab._html import html_table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shieldlab.montecarlo.compare import Comparison
    from shieldlab.montecarlo.results import Metric, Results
    from shieldlab.montecarlo.studies import PenetrationPoint, PenetrationStudy


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"


def metric_cells(m: Metric) -> tuple[str, str]:
    """(mean, 95 % interval) as text; no interval for a constant outcome."""
    if m.is_constant or not math.isfinite(m.ci95[0]):
        return _num(m.mean), ""
    return _num(m.mean), f"[{_num(m.ci95[0])}, {_num(m.ci95[1])}]"


def table_html(rows: list[tuple[str, str, str, str]], caption: str) -> str:
    """An HTML table of (group, metric, mean, interval) rows."""
    head = "<tr><th>group</th><th>metric</th><th>mean</th><th>95 % interval</th></tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return (
        f"<table><caption style='text-align:left'>{html.escape(caption)}</caption>"
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


def results_html(res: Results) -> str:
    """The results as the notebook shows them: headline, then every metric in a table."""
    rows: list[tuple[str, str, str, str]] = []
    for name, m in res.metrics.items():
        rows.append(("", name, *metric_cells(m)))
    for group, items in res.by_type.items():
        for name, m in items.items():
            rows.append((group, name, *metric_cells(m)))
    caption = f"{res.scenario}: {res.replications:,} replications, seed {res.seed}"
    head = f"<p><b>{html.escape(res.headline)}</b></p>" if res.headline else ""
    return f"<div>{head}{table_html(rows, caption)}</div>"


def comparison_html(cmp: Comparison) -> str:
    """A comparison as the notebook shows it: one row per outcome, B − A with its interval."""
    head = (
        "<tr><th>outcome</th><th>A</th><th>B</th><th>B − A</th><th>95 % interval</th>"
        "<th>variance reduction</th></tr>"
    )
    body = []
    for name, d in cmp.differences.items():
        ci = "" if d.ci95[0] == d.ci95[1] else f"[{_num(d.ci95[0])}, {_num(d.ci95[1])}]"
        cells = (name, _num(d.mean_a), _num(d.mean_b), _num(d.diff), ci, _num(d.variance_reduction))
        style = " style='font-weight:bold'" if d.significant else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    caption = (
        f"{cmp.b} − {cmp.a}: {cmp.replications:,} paired replications, seed {cmp.seed} "
        "(common random numbers; bold: interval excludes 0)"
    )
    return (
        f"<table><caption style='text-align:left'>{html.escape(caption)}</caption>"
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _with_interval(m: Metric) -> str:
    mean, ci = metric_cells(m)
    return f"{mean} {ci}".strip()


def penetration_html(points: Sequence[PenetrationPoint]) -> str:
    """A penetration curve (:func:`~shieldlab.montecarlo.penetration_curve`): one row per
    raid size, leakers, P(no leaker) and interceptors fired with their 95 % intervals."""
    header = (
        "raid size",
        "leakers [95 %]",
        "leak fraction",
        "P(no leaker) [95 %]",
        "interceptors fired [95 %]",
    )
    rows = [
        [
            f"{p.raid_size:,}",
            _with_interval(p.leakers),
            _num(p.leak_fraction),
            _with_interval(p.p_zero_leakers),
            _with_interval(p.interceptors_fired),
        ]
        for p in points
    ]
    caption = (
        f"Penetration curve: {len(rows)} raid sizes "
        "(same seed at every size: common random numbers)"
    )
    return html_table(header, rows, caption=caption, right=(0, 1, 2, 3, 4))


def penetration_study_html(study: PenetrationStudy) -> str:
    """A penetration study: mean penetrating warheads [95 %] and P(at least 1), one row per
    (inventory, raid size)."""
    mean, ci = study.mean(), study.interval()
    p1, p1_ci = study.p_at_least(1), study.p_at_least_interval(1)
    rows = []
    for i, inv in enumerate(study.interceptors):
        for j, n in enumerate(study.raid_sizes):
            rows.append(
                [
                    "scenario's own" if inv is None else f"{inv:,}",
                    f"{int(n):,}",
                    f"{_num(float(mean[i, j]))} [{_num(float(ci[i, j, 0]))}, "
                    f"{_num(float(ci[i, j, 1]))}]",
                    f"{_num(float(p1[i, j]))} [{_num(float(p1_ci[i, j, 0]))}, "
                    f"{_num(float(p1_ci[i, j, 1]))}]",
                ]
            )
    caption = (
        f"Penetration study: {study.replications:,} replications per point, seed {study.seed} "
        "(common random numbers)"
    )
    header = ("interceptors", "raid size", "penetrating [95 %]", "P(at least 1) [95 % Wilson]")
    return html_table(header, rows, caption=caption, right=(0, 1, 2, 3))
