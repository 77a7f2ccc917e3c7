"""shieldlab.core."""
