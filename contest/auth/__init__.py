# activation, registration and account add their routes to views.bp
from . import account, activation, registration, views  # noqa: F401
