"""HTML report and convergence figure of ``shieldlab attack optimise|cheapest|duel``.

Works from the commands' ``--json`` objects (``OptimiseResult.to_dict()`` and friends), so
a report can be rebuilt from ``attack.json`` alone. Figures come as plotly/matplotlib
twins (the report shows the first and writes the second as PNG).
"""

from __future__ import annotations

import io
import math
from typing import Any

from shieldlab._optional import require
from shieldlab._palette import SIDE_COLOURS
from shieldlab.report.document import Report
from shieldlab.report.figures import new_mpl_figure

__all__ = ["attack_report", "convergence_figure", "png_bytes"]

_FEATURE = "the attack convergence figure"


def convergence_figure(convergence: list[dict[str, Any]], label: str) -> tuple[Any, Any]:
    """Each simulated candidate's screening objective and the best so far, by evaluation."""
    go = require("plotly.graph_objects", feature=_FEATURE)
    x = [c["evaluation"] for c in convergence]
    y = [c["objective"] for c in convergence]
    best = [c["best"] for c in convergence]
    red = SIDE_COLOURS["red"]
    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="markers", name="candidate", marker={"color": "#888"})
    fig.add_scatter(x=x, y=best, mode="lines", name="best so far", line={"color": red})
    fig.update_layout(
        xaxis_title="candidate raids simulated", yaxis_title=label, template="plotly_white"
    )
    mfig, ax = new_mpl_figure(7.5, 3.8)
    ax.plot(x, y, "o", color="#888", ms=3, label="candidate")
    ax.step(x, best, where="post", color=red, label="best so far")
    ax.set_xlabel("candidate raids simulated")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig, mfig


def png_bytes(mfig: Any) -> bytes:
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _ci(ci: list[float] | None) -> str:
    if not ci or any(v is None or (isinstance(v, float) and math.isnan(v)) for v in ci):
        return "-"
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _raid_rows(raid: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [w["option"], w["threat"], w["count"], w["launch_area"], w["window"], w["aim"],
         f"{w['cost_usd']:,.0f}"]
        for w in raid
    ]  # fmt: skip


_RAID_COLS = ["option", "threat", "count", "launch area", "window", "aim", "cost (USD)"]


def attack_report(kind: str, result: dict[str, Any], *, command: str = "") -> Report:
    """The report of one attack command's result (``kind``: optimise, cheapest, duel)."""
    rep = Report(
        f"shieldlab attack {kind}: {result['scenario']} vs arsenal {result['arsenal']}",
        subtitle="Common random numbers: every candidate ran on the same keyed draws (one "
        "seed); intervals are 95 %. All parameters are generic or notional.",
        meta={"kind": f"shieldlab attack {kind} report", "result": result, "command": command},
    )
    rep.add_section("Summary")
    if command:
        rep.add_code("Command", command)
    if kind == "optimise":
        best = result["best"]
        obj = result["objective"]["description"]
        rep.add_text(
            f"Best raid of {result['evaluations']} simulated candidates "
            f"(of {result['space_size']:,} raids): {obj} {best['objective']:.3f}, "
            f"95 % interval {_ci(best['ci95'])}, on "
            f"{best['replications']:,} fresh replications."
        )
        rep.add_table("Best raid", _RAID_COLS, _raid_rows(best["raid"]))
        base, diff = result.get("baseline"), result.get("best_minus_baseline")
        if base is not None and diff is not None:
            rep.add_table(
                "Against the scenario's own raid at the same budget (paired)",
                ["raid", "cost (USD)", "threats", "objective", "95 % interval"],
                [
                    ["optimised", f"{best['cost_usd']:,.0f}", best["threats"],
                     f"{best['objective']:.3f}", _ci(best["ci95"])],
                    ["scenario's own, resized", f"{base['cost_usd']:,.0f}", base["threats"],
                     f"{base['objective']:.3f}", _ci(base["ci95"])],
                    ["difference (paired)", "", "", f"{diff['mean']:.3f}", _ci(diff["ci95"])],
                ],
            )  # fmt: skip
        rep.add_table(
            "Leaders re-run on fresh replications",
            ["raid", "screening", "final", "95 % interval", "minus best (paired)", "cost (USD)"],
            [
                [x["raid_key"], f"{x['screening_objective']:.3f}", f"{x['objective']:.3f}",
                 _ci(x["ci95"]), f"{x['vs_best']['mean']:.3f} {_ci(x['vs_best']['ci95'])}",
                 f"{x['cost_usd']:,.0f}"]
                for x in result["leaders"]
            ],
        )  # fmt: skip
        if result.get("convergence"):
            fig, mfig = convergence_figure(result["convergence"], obj)
            rep.add_figure("Convergence", fig, png=mfig, caption="Screening estimates.")
    elif kind == "cheapest":
        req = result["requirement"]
        cf = result["closed_form"]
        ch = result.get("cheapest")
        rows = [["closed form (stability restore)", cf["missiles"], f"{cf['cost_usd']:,.0f}", "-"]]
        if ch is not None:
            rows.append(
                ["engine (cheapest raid found)", ch["threats"], f"{ch['cost_usd']:,.0f}",
                 f"{ch['p_at_least_k']:.3f} {_ci(ch['ci95'])}"]
            )  # fmt: skip
        rep.add_table(
            f"Cheapest raid with P(>= {req['k']} leak) >= {req['p']:g}",
            ["answer", "threats", "cost (USD)", "P(>= K) (95 %)"],
            rows,
        )
        if ch is not None:
            rep.add_table("Cheapest raid", _RAID_COLS, _raid_rows(ch["raid"]))
        rep.add_text("\n\n".join(result["gap"]))
    else:
        rep.add_text(
            f"Outcome: {result['outcome']}"
            + (f" (cycle of {result['cycle_length']} rounds)" if result.get("cycle_length") else "")
        )
        rep.add_table(
            "Rounds",
            ["round", "raid", "raid cost (USD)", "after attack", "after defence",
             "attacker improved", "defender improved", "defence"],
            [
                [r["round"], r["raid_key"], f"{r['raid_cost_usd']:,.0f}",
                 f"{r['objective_after_attack']:.3f}", f"{r['objective_after_defence']:.3f}",
                 str(r["attacker_improved"]).lower(), str(r["defender_improved"]).lower(),
                 ", ".join(f"{k}={v}" for k, v in r["defence"].items())]
                for r in result["rounds"]
            ],
        )  # fmt: skip
    return rep
