"""The HTML report of ``shieldlab compare``: the paired differences, a figure, the command."""

from __future__ import annotations

import shlex
from typing import Any

from shieldlab.montecarlo.compare import Comparison
from shieldlab.report.document import Report


def difference_figure(cmp: Comparison) -> Any:
    """Paired difference B − A of each outcome that changed, with its 95 % interval."""
    import plotly.graph_objects as go

    items = [(k, d) for k, d in cmp.differences.items() if not (d.std == 0.0 and d.diff == 0.0)]
    items = items[:40]
    names = [k for k, _ in items][::-1]
    diff = [d.diff for _, d in items][::-1]
    lo = [d.diff - d.ci95[0] for _, d in items][::-1]
    hi = [d.ci95[1] - d.diff for _, d in items][::-1]
    fig = go.Figure(
        go.Scatter(
            x=diff,
            y=names,
            mode="markers",
            error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            name="B - A",
        )
    )
    fig.add_vline(x=0.0, line_dash="dot")
    fig.update_layout(
        title=f"{cmp.b} minus {cmp.a} (95 % intervals)",
        height=max(320, 22 * len(names) + 120),
        margin={"l": 260},
        xaxis_title="B - A (mean per raid)",
    )
    return fig


def compare_report(cmp: Comparison, *, a_ref: str, b_ref: str) -> Report:
    """The comparison as a report (tables, a figure, the rerun command)."""
    command = shlex.join(
        [
            "shieldlab",
            "compare",
            a_ref,
            b_ref,
            "--replications",
            str(cmp.replications),
            "--seed",
            str(cmp.seed),
        ]
    )
    rep = Report(
        f"shieldlab compare: {cmp.b} minus {cmp.a}",
        subtitle=(
            f"{cmp.replications:,} paired replications, seed {cmp.seed}: both scenarios see "
            "the same random draws (common random numbers); every number is a mean per raid."
        ),
        meta={
            "kind": "shieldlab compare report",
            "command": command,
            "results": cmp.to_dict() | {"timing": {}},
        },
    )
    rep.add_section("Differences")
    rows = [
        [
            k,
            d.mean_a,
            d.mean_b,
            d.diff,
            "" if d.ci95[0] == d.ci95[1] else f"[{d.ci95[0]:,.4g}, {d.ci95[1]:,.4g}]",
            "yes" if d.significant else "",
            d.variance_reduction,
        ]
        for k, d in cmp.differences.items()
    ]
    rep.add_table(
        "Paired differences B - A",
        ["outcome", "A", "B", "B - A", "95 % interval", "excludes 0", "variance reduction"],
        rows,
        caption="Student t intervals on the paired differences; variance reduction = "
        "(Var A + Var B) / Var(B - A), the gain of pairing over independent runs.",
    )
    rep.add_figure("Differences", difference_figure(cmp), caption="Whiskers: 95 % intervals.")
    if cmp.only_a or cmp.only_b:
        rep.add_text(
            f"Not compared (in one scenario only): A: {', '.join(cmp.only_a) or '-'}; "
            f"B: {', '.join(cmp.only_b) or '-'}."
        )
    rep.add_section("Reproduce")
    rep.add_code("Command", command)
    return rep
