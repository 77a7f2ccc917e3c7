"""Pictures of one replication: theatre map, engagement timeline, replay files."""
