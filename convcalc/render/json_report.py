"""The JSON report, format 1 (docs/spec-format.md): exact integers, shapes channels first.

Written one row per line. Rows are written from a template rather than
through ``Row.to_dict`` and ``json.dumps``: a report can have 10⁶ rows, and
the encoder's per-call set-up is most of the cost. A test holds the two
to the same JSON.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from ..report import Report, Row

if TYPE_CHECKING:
    from ..training import Training

_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _ints(values: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


def _numbers(values: tuple[Any, ...], as_float: bool = False) -> str:
    return "[" + ", ".join(repr(float(v)) if as_float or type(v) is not int else str(v) for v in values) + "]"


def row_json(row: Row) -> str:
    """One row as JSON, equal to ``json.dumps(row.to_dict())`` once parsed."""
    rf = row.receptive_field
    warnings = _dumps([w.to_dict() for w in row.warnings]) if row.warnings else "[]"
    return (
        f'{{"name": {encode_basestring(row.name)}, "type": {encode_basestring(row.type)}, '
        f'"path": [{", ".join(map(encode_basestring, row.path))}], "depth": {len(row.path) - 1}, '
        f'"line": {row.position.line}, "column": {row.position.column}, "leaf": {"true" if row.leaf else "false"}, '
        f'"input_shape": {_ints(row.input_shape)}, "output_shape": {_ints(row.output_shape)}, '
        f'"params": {row.params}, "trainable_params": {row.trainable_params}, '
        f'"frozen": {"true" if row.frozen else "false"}, "buffers": {row.buffers}, '
        f'"macs": {row.macs}, "flops": {2 * row.macs}, "activation_bytes": {row.activation_bytes}, '
        f'"receptive_field": {{"size": {_numbers(rf.size)}, "jump": {_numbers(rf.jump)}, '
        f'"start": {_numbers(rf.start, as_float=True)}}}, "warnings": {warnings}, '
        f'"inputs": [{", ".join(encode_basestring("/".join(source)) for source in row.inputs)}]}}'
    )


def render_document(
    data: dict[str, Any], rows: list[str] | None = None, listed: tuple[str, ...] = ("warnings",)
) -> str:
    """A mapping with one key per line; ``rows`` (already JSON) and the ``listed`` lists one item per line."""
    pieces = ["{\n"]
    for key, value in data.items():
        if len(pieces) > 1:
            pieces.append(",\n")
        pieces.append(f"  {_dumps(key)}: ")
        if key == "rows" and rows is not None:
            # The rows go in as pieces of the one final join: a 10⁶-row report is copied once.
            if rows:
                pieces.append("[\n    ")
                for index, row in enumerate(rows):
                    pieces.append(row if not index else ",\n    " + row)
                pieces.append("\n  ]")
            else:
                pieces.append("[]")
        elif key in listed and isinstance(value, list) and value:
            pieces.append("[\n    " + ",\n    ".join(_dumps(item) for item in value) + "\n  ]")
        else:
            pieces.append(_dumps(value))
    pieces.append("\n}\n")
    # Lone surrogates (from a dict's names) become \udcxx escapes, which JSON reads back as
    # the same string: a piece at a time, never a copy of the whole document.
    return "".join([_writable(piece) for piece in pieces])


def render_json(report: Report, explain: bool = False, training: Training | None = None) -> str:
    """The JSON report; with ``explain`` each row gains ``explain``, its worked formulas as strings;
    with ``training``, each row its ``backward_macs`` and ``saved_bytes``, the totals the training
    totals, and the top level the ``optimizer``."""
    data = report.to_dict(rows=False)
    rows = [row_json(row) for row in report.rows]
    if explain:
        from ..explain import explanations

        rows = [f'{row[:-1]}, "explain": {_dumps(list(lines))}}}' for row, lines in zip(rows, explanations(report))]
    if training is not None:
        data = {**data, "optimizer": training.optimizer}
        data["totals"] = {**data["totals"], **training.totals_dict()}
        rows = [
            f'{row[:-1]}, "backward_macs": {cost.backward_macs}, "saved_bytes": {cost.saved_bytes}}}'
            for row, cost in zip(rows, training.rows)
        ]
    return render_document(data, rows)


def _writable(text: str) -> str:
    """JSON text that UTF-8 can write: a lone surrogate inside a string becomes its ``\\udcxx``
    escape, which JSON reads back as the same string."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
