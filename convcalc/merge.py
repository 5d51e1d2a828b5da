"""Merging branch outputs: concat, add, mul."""

from __future__ import annotations

from .errors import LayerError

Shape = tuple[int, ...]


def merged_shape(merge: str, shapes: list[tuple[str, Shape]]) -> Shape:
    """The shape after merging branch outputs; a LayerError (code ``shape``) when they don't fit.

    For ``mul``, a flat ``[C]`` branch (squeeze-and-excitation written with fc)
    counts as ``C×1×1``: it scales channels, as the SE paper draws it.
    """
    if merge == "mul":
        rank = max(len(s) for _, s in shapes)
        shapes = [(label, s + (1,) * (rank - len(s)) if len(s) == 1 else s) for label, s in shapes]
    first_label, first = shapes[0]

    def listing() -> str:
        return ", ".join(f"{label} {'×'.join(map(str, s))}" for label, s in shapes)

    if any(len(s) != len(first) for _, s in shapes):
        raise LayerError("shape", f"cannot {merge} outputs of different ranks: {listing()}")
    if merge == "concat":
        if any(s[1:] != first[1:] for _, s in shapes):
            raise LayerError("shape", f"concat needs equal spatial sizes: {listing()}")
        return (sum(s[0] for _, s in shapes), *first[1:])
    if merge == "add":
        if any(s != first for _, s in shapes):
            raise LayerError("shape", f"add needs equal shapes: {listing()}")
        return first
    result = list(first)
    for _, s in shapes[1:]:
        for axis, (a, b) in enumerate(zip(result, s)):
            if a != b and 1 not in (a, b):
                raise LayerError("shape", f"mul cannot broadcast: {listing()}")
            result[axis] = max(a, b)
    return tuple(result)
