"""shieldlab.analytic."""
