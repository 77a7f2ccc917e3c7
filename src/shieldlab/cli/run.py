"""Placeholder module for CLI commands of its issue (replaced by that issue's work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
