"""`shieldlab analytic`: placeholder until its issue lands (owned by its issue's work)."""

from __future__ import annotations

import typer

app = typer.Typer(help="analytic commands (not yet available).", no_args_is_help=True)
