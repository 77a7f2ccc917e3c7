"""shieldlab.wta."""
