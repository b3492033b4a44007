"""gridgov.sla."""
