"""shieldlab.scenario."""
