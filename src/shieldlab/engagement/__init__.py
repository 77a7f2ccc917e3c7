"""shieldlab.engagement."""
