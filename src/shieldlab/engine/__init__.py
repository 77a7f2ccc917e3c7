"""shieldlab.engine."""
