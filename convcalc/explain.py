"""``--explain`` for every row: a layer's own worked formulas, a composite's sums.

A layer row's lines come from its layer rule (``Outcome.explain``, in
``convcalc/layers``). A composite row (sequence, parallel, residual, branch,
block use) has no formula of its own: its lines say how its children make
it up: the channels a concatenation adds, and the parameters and MACs it
sums.
"""

from __future__ import annotations

from .report import Report, Row


def children_of(report: Report) -> dict[int, list[int]]:
    """Index of each composite row → indices of its direct children, in order."""
    rows = report.rows
    children: dict[int, list[int]] = {}
    stack: list[int] = []
    for index, row in enumerate(rows):
        while stack and not _inside(row, rows[stack[-1]]):
            stack.pop()
        if stack and rows[stack[-1]].depth == row.depth - 1:
            children.setdefault(stack[-1], []).append(index)
        if not row.leaf:
            stack.append(index)
    return children


def _inside(row: Row, parent: Row) -> bool:
    return len(row.path) > len(parent.path) and row.path[: len(parent.path)] == parent.path


def _sum_line(label: str, values: list[int], total: int) -> str:
    terms = [v for v in values if v]
    if len(terms) <= 1:
        return f"{label}: {total:,}"
    return f"{label}: {' + '.join(f'{v:,}' for v in terms)} = {total:,}"


def composite_lines(row: Row, parts: list[Row]) -> tuple[str, ...]:
    """How ``parts`` (the direct children) make up ``row``."""
    lines = []
    shapes = [p.output_shape for p in parts]
    if len(parts) > 1 and row.type == "parallel" and all(len(s) == len(row.output_shape) for s in shapes):
        if sum(s[0] for s in shapes) == row.output_shape[0] and all(s[1:] == row.output_shape[1:] for s in shapes):
            lines.append(f"C: {' + '.join(str(s[0]) for s in shapes)} = {row.output_shape[0]} (branches concatenated)")
        elif all(s == row.output_shape for s in shapes):
            lines.append(f"{', '.join(p.name for p in parts)}: merged element-wise")
    elif len(parts) > 1 and row.type == "residual":
        lines.append(f"{' + '.join(p.name for p in parts)}, added element-wise")
    if not parts:
        return ("no layers: the input passed on unchanged (identity)", "params: 0", "MACs: 0")
    lines.append(_sum_line("params", [p.params for p in parts], row.params))
    lines.append(_sum_line("MACs", [p.macs for p in parts], row.macs))
    return tuple(lines)


def explanations(report: Report) -> list[tuple[str, ...]]:
    """The ``--explain`` lines of every row of ``report``, in row order."""
    rows = report.rows
    children = children_of(report)
    out = []
    for index, row in enumerate(rows):
        if row.leaf:
            out.append(row.explain)
        else:
            out.append(composite_lines(row, [rows[i] for i in children.get(index, [])]))
    return out


def by_row(report: Report) -> dict[int, tuple[str, ...]]:
    """:func:`explanations` keyed by ``id(row)``, for renderers that show a selection of the rows."""
    return {id(row): lines for row, lines in zip(report.rows, explanations(report))}
