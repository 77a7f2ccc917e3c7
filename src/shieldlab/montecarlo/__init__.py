"""shieldlab.montecarlo."""
