"""digests: the follow-up email after an event, reminders, unsubscribing, marking follow-ups done."""
