"""shieldlab.c2."""
