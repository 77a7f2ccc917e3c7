"""shieldlab.tracking."""
