"""gridgov.store."""
