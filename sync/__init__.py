"""The sync daemon: delivers the kiosk's outbox to the portal, batch by batch, exactly once."""
