from . import registrations, views  # noqa: F401
