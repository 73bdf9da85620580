"""The question bank: models, normalisation, importers and the organizer pages for it.

This package never imports `contest`; `contest` builds on it.
"""
