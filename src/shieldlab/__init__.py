"""shieldlab: layered air and missile defence, simulated and checked against closed forms."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
