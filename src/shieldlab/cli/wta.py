"""`shieldlab wta`: solve weapon-target assignment instances."""

from __future__ import annotations

import math
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Weapon-target assignment: solve benchmark or JSON instances.", no_args_is_help=True
)


class SolverName(StrEnum):
    greedy = "greedy"
    assignment = "assignment"
    local_search = "local-search"
    exact = "exact"
    auto = "auto"


@app.callback()
def _wta() -> None:
    """Weapon-target assignment (static WTA, Andersen-Pavlikov-Toffolo format or JSON)."""


@app.command("solve")
def solve_cmd(
    instance: Annotated[
        Path, typer.Argument(help="Instance file: benchmark text format ('m n mu') or JSON.")
    ],
    solver: Annotated[SolverName, typer.Option("--solver", help="Solver to use.")] = (
        SolverName.auto
    ),
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Time limit in seconds (> 0) for the solve; start-up (reading the file, "
            "loading or on the first run compiling the kernels) comes on top.",
        ),
    ] = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the local search's kicks.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Minimise the expected surviving value sum_j V_j prod_i (1 - p_ij)^x_ij."""
    from shieldlab.errors import InputError
    from shieldlab.wta import load_instance, solve
    from shieldlab.wta.base import objective

    if not time_limit > 0 or not math.isfinite(time_limit):
        raise InputError(f"must be finite and > 0, got {time_limit}", field="--time-limit")
    from shieldlab.cli._output import StatusLine

    t_start = time.perf_counter()
    with StatusLine(
        f"solving {instance.name} ({solver.value}; the first run compiles the kernels)"
    ):
        inst = load_instance(instance)
        res = solve(inst, solver.value, time_limit_s=time_limit, seed=seed)
    # reading the file and loading (first run: compiling) the kernels, outside the limit
    startup = time.perf_counter() - t_start - res.seconds
    obj = objective(inst, res.assignment)
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(
            {
                "objective": obj,
                "lower_bound": res.lower_bound,
                "assignment": res.triples(),
                "solver": res.solver,
                "seconds": res.seconds,
                "startup_seconds": startup,
            }
        )
        return
    from rich.table import Table

    from shieldlab.cli._output import console

    out = console()
    out.print(
        f"{inst.name or instance}: {inst.n_weapon_types} weapon types, "
        f"{inst.n_weapons} weapons, {inst.n_targets} targets"
    )
    out.print(f"solver        {res.solver}")
    out.print(f"objective     {obj:.6f}  (expected surviving value)")
    if res.lower_bound is not None:
        gap = res.gap or 0.0
        out.print(f"lower bound   {res.lower_bound:.6f}  (gap {100 * gap:.4f} %)")
    out.print(f"optimal       {'proven' if res.optimal else 'not proven'}")
    out.print(f"seconds       {res.seconds:.3f}  (+ {startup:.3f} s start-up, outside the limit)")
    if res.note:
        out.print(f"note          {res.note}")
    rows = res.triples()
    table = Table("weapon type", "target", "count")
    for i, j, c in rows[:50]:
        table.add_row(str(i), str(j), str(c))
    out.print(table)
    if len(rows) > 50:
        out.print(f"... {len(rows) - 50} more rows (use --json for all)")
