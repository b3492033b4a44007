"""gridgov.grid."""
