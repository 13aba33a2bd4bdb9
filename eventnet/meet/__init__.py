"""People to meet: suggestions from offers and asks both ways, among attendees who chose to be suggested."""
