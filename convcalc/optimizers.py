"""Optimizers training memory knows: the copies of the trainable parameters each keeps.

A module of its own, without imports, so that the spec reader (budgets name an
optimizer), the CLI (its choices) and convcalc.training share one list.
"""

OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
"""State copies per trainable parameter: momentum's velocity; Adam's and AdamW's two
moments (their per-tensor ``step`` counters, a few bytes, left out)."""

DEFAULT_OPTIMIZER = "adamw"
