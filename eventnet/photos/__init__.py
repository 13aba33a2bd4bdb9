"""photos feature: a face on the profile, shared like any other field (see models.py)."""
