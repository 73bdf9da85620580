"""Units and participants: the unit tree, imports of both, confirming registrations."""
