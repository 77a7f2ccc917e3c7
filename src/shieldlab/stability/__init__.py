"""shieldlab.stability."""
