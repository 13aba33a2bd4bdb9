"""contacts feature: the contact book (search and filters), removing a contact, and exports."""
