"""Results pages (/results): rankings, charts, prizes, item statistics, settings, downloads."""
from . import manage, views  # noqa: F401  (manage adds its routes to views.bp)
