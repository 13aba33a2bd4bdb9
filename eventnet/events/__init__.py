"""events feature: models, services and the blueprint in views."""
