"""connections feature: scans, the mutual exchange, and each side's private note."""
