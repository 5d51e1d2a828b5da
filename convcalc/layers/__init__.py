"""Layer types. Importing this package registers every built-in type."""

from . import attention, conv, dense, graph, pixelshuffle, pointwise, pool, reshape, sequence  # noqa: F401  (registration)
from .base import CANONICAL, RULES, LayerRule, Outcome, Shape

__all__ = ["CANONICAL", "RULES", "LayerRule", "Outcome", "Shape"]
