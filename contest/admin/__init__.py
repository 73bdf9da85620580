from . import audit, views  # noqa: F401  (audit adds /admin/audit to views.bp)
