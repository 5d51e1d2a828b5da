"""Layer types. Importing this package registers every built-in type."""

from . import conv, dense, graph, pointwise, pool, reshape  # noqa: F401  (registration)
from .base import CANONICAL, RULES, LayerRule, Outcome, Shape

__all__ = ["CANONICAL", "RULES", "LayerRule", "Outcome", "Shape"]
