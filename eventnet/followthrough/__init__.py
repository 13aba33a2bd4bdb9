"""Follow-through: my follow-ups in one place, and for organizers, aggregates only."""
