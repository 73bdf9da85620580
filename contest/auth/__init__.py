from . import activation, views  # noqa: F401  (activation adds /activate/<token> to views.bp)
