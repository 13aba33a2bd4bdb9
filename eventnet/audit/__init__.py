"""audit feature: the log every other feature records its organizer and administrator actions into
(services.record, in the same transaction as the change), and the console's page that reads it."""
