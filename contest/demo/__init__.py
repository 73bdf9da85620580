"""Demo data: units, accounts and a question bank written from ../shared/reference facts."""
