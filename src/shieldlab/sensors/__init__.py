"""shieldlab.sensors."""
