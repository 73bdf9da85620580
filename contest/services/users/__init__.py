"""Accounts: identity rules, registration and its ceiling, activation links, server-side sessions."""
