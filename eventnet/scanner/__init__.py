"""scanner feature: the in-app QR scanner, its offline queue's server side, and the PWA files."""
