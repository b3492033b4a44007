"""gridgov.workflow."""
