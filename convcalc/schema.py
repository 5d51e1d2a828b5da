"""A JSON Schema of spec format 1, generated from the layer registry.

Editors validate and autocomplete specs with it (yaml-language-server reads a
first line ``# yaml-language-server: $schema=convcalc-spec.schema.json``), and
so does ``check-jsonschema --schemafile``. Every layer type registered in
:mod:`convcalc.layers` gets a subschema of its keys, typed from its args'
check functions through one table (:data:`CHECK_SCHEMAS`), so a new layer
type appears here without touching this file; a new *kind* of check function
has to be added to the table, or :func:`spec_schema` raises.

The schema accepts every spec convcalc accepts and rejects the mistakes a
schema can see. What it cannot see, convcalc still reports: arithmetic
(kernel larger than the input, groups), names of blocks and their parameters
(a bare name that is neither built-in nor a block, a misspelt block
parameter), ``$param`` outside a block, ``3.0`` where an integer belongs
(JSON Schema's ``integer`` includes it), and whole-number budgets (``1.5``).

The schema declares draft 2020-12 but uses only keywords that mean the same
in draft-07 (no ``prefixItems``, no ``unevaluatedProperties``, no keywords
beside ``$ref``), because yaml-language-server validates with draft-07 rules.

>>> schema = spec_schema()
>>> schema["properties"]["dtype"]["enum"]
['float32', 'float16', 'bfloat16', 'int8', 'float64']
>>> "layer.conv" in schema["$defs"] and "linear" in schema["$defs"]["entry"]["anyOf"][1]["properties"]
True
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable
from typing import Any

from . import args as A
from .layers import CANONICAL, RULES, LayerRule
from .layers.conv import _activation_arg, _groups_arg
from .layers.graph import reference
from .layers.pool import _output_arg
from .layers.reshape import _channel_range
from .spec import (
    BUDGET_KEYS,
    COMMON_KEYS,
    COMPOSITES,
    DTYPE_BYTES,
    FORMAT_VERSION,
    LAYOUTS,
    OPTIMIZERS,
    TOP_LEVEL_KEYS,
)
from .units import _BYTE_MULTIPLIERS, _MULTIPLIERS

MAX_INT = A.MAX_INT
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = f"urn:convcalc:spec-format:{FORMAT_VERSION}"

PARAM_PATTERN = r"^\$[A-Za-z_][A-Za-z0-9_]*$"
"""``$width``: a block parameter, replaced by its value whatever its type."""
EXPRESSION_PATTERN = r"^\$\{[\s\S]*\}$"
"""``"${width * 4}"``: an integer expression over block parameters."""
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ROW_NAME_PATTERN = r"^[^/]+$"
BLOCK_NAME_PATTERN = r"^[^/]+$"
BARE_BLOCK_PATTERN = r"^[^/$][^/]*$"
"""A bare entry starting with ``$`` is always a parameter, never a block."""

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


# ----- value kinds ------------------------------------------------------------------
#
# One table from an Arg's check function to (schema fragment, description).
# Fragments already accept `$param` (and `${expr}` where the value is an
# integer or a number: expressions evaluate to integers) at every position
# where the reader substitutes them.


def _real(minimum: float | None = None, maximum: float | None = None, open_max: bool = False) -> tuple[Schema, str]:
    number: Schema = {"type": "number"}
    bounds = []
    if minimum is not None:
        number["minimum"] = minimum
        bounds.append(f"≥ {minimum}")
    if maximum is not None:
        number["exclusiveMaximum" if open_max else "maximum"] = maximum
        bounds.append(f"{'<' if open_max else '≤'} {maximum}")
    text = "a number" + (f" {' and '.join(bounds)}" if bounds else "")
    return {"anyOf": [number, ref("param"), ref("expression")]}, text


def _choice(options: tuple[str, ...]) -> tuple[Schema, str]:
    return {"anyOf": [{"enum": list(options)}, ref("param")]}, f"one of {', '.join(options)}"


CHECK_SCHEMAS: dict[Callable[..., Any], tuple[Schema, str]] = {
    A.count: (ref("count"), "a positive integer"),
    A.nonnegative: (ref("nonnegative"), "an integer ≥ 0"),
    A.integer: (ref("integer"), "an integer"),
    A.boolean: (ref("boolean"), "true or false"),
    A.counts: (ref("counts"), "a positive integer, or a list of one per spatial dimension"),
    A.nonnegatives: (ref("nonnegatives"), "an integer ≥ 0, or a list of one per spatial dimension"),
    A.positive_numbers: (ref("positive-numbers"), "a number > 0, or a list of one per spatial dimension"),
    A.padding: (
        ref("padding"),
        "a number; a list per spatial dimension, each a number or a [lo, hi] pair; "
        f"or one of {', '.join(A.PADDING_WORDS)}",
    ),
    A.numeric_padding: (
        ref("numeric-padding"),
        "a number, or a list per spatial dimension, each a number or a [lo, hi] pair",
    ),
    _groups_arg: (
        {"anyOf": [ref("count"), {"const": "depthwise"}]},
        "a positive integer, or depthwise (groups = input channels)",
    ),
    _activation_arg: (
        ref("activation"),
        "a shape-preserving layer without parameters (relu, gelu, {leakyrelu: {slope: 0.2}}, ...) "
        "added as its own row after this one, or none",
    ),
    _output_arg: (
        {
            "anyOf": [
                ref("count"),
                {"type": "array", "minItems": 1, "items": {"anyOf": [ref("count"), {"type": "null"}]}},
            ]
        },
        "the output size: a positive integer, or a list per spatial dimension (null keeps that dimension's size)",
    ),
    reference: (ref("reference"), "a row name or path visible from the entry (input for the input)"),
    _channel_range: (
        {"anyOf": [{"type": "array", "minItems": 2, "maxItems": 2, "items": ref("nonnegative")}, ref("param")]},
        "a [start, stop] pair: keeps channels start..stop−1",
    ),
}
"""Plain check functions → (schema fragment, description)."""

CHECK_FACTORIES: dict[str, Callable[..., tuple[Schema, str]]] = {
    "real": _real,
    "choice": _choice,
}
"""Checks made by a factory in convcalc.args (``real(0, 1)``, ``choice(...)``),
keyed by the factory's name and called with the factory's arguments, read
back from the check's closure."""


class SchemaError(TypeError):
    """A layer arg whose check function has no JSON Schema (add it to CHECK_SCHEMAS)."""


def arg_kind(check: Callable[..., Any], where: str = "") -> tuple[Schema, str]:
    """The schema fragment and description for one Arg's check function."""
    if check in CHECK_SCHEMAS:
        fragment, text = CHECK_SCHEMAS[check]
        return copy.deepcopy(fragment), text
    qualname = getattr(check, "__qualname__", "")
    factory, _, rest = qualname.partition(".<locals>.")
    if rest and getattr(check, "__module__", "") == A.__name__ and factory in CHECK_FACTORIES:
        captured = inspect.getclosurevars(check).nonlocals
        parameters = inspect.signature(getattr(A, factory)).parameters
        kwargs = {name: captured[name] for name in parameters if name in captured}
        return CHECK_FACTORIES[factory](**kwargs)
    name = f"{getattr(check, '__module__', '?')}.{qualname or check!r}"
    raise SchemaError(
        f"no JSON Schema for the check function {name}"
        + (f" of {where}" if where else "")
        + ": add it to convcalc.schema.CHECK_SCHEMAS"
    )


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value)


def _arg_schema(layer: str, key: str, arg: A.Arg) -> Schema:
    fragment, text = arg_kind(arg.check, f"{layer}.{key}")
    required = arg.default is A.REQUIRED
    if required:
        note = "required"
    elif arg.doc:
        note = arg.doc
    elif arg.default is not None:
        note = f"default {_default_text(arg.default)}"
    else:
        note = "optional"
    text = f"{text[0].upper()}{text[1:]} ({note})."
    schema: Schema = {"description": text}
    if not required and arg.default is not None:
        schema["default"] = arg.default
    # check_args treats null as "not given": the default applies to an optional key.
    schema["anyOf"] = [fragment] if required else [fragment, {"type": "null"}]
    return schema


# ----- shared definitions -------------------------------------------------------------


def _quantity_pattern(units: list[str]) -> str:
    """convcalc.units' number-with-suffix syntax; suffixes case-insensitive."""

    def insensitive(unit: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in unit)

    suffixes = "|".join(insensitive(u) for u in sorted(units, key=lambda u: (-len(u), u)) if u)
    return rf"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{{1,3}})?\s*({suffixes})?\s*$"


def _common_defs() -> dict[str, Schema]:
    def integer(minimum: int) -> Schema:
        return {"type": "integer", "minimum": minimum, "maximum": MAX_INT}

    def with_refs(literal: Schema, description: str) -> Schema:
        return {"description": description, "anyOf": [literal, ref("param"), ref("expression")]}

    def listed(item: str, description: str) -> Schema:
        return {
            "description": description,
            "anyOf": [ref(item), {"type": "array", "minItems": 1, "items": ref(item)}],
        }

    pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": ref("nonnegative")}
    return {
        "param": {
            "description": "A block parameter ($name), replaced by its value; only inside a block's layers.",
            "type": "string",
            "pattern": PARAM_PATTERN,
        },
        "expression": {
            "description": 'An integer expression over block parameters ("${width * 4}"): integers, '
            "parameter names, + - * // %, parentheses, min, max.",
            "type": "string",
            "pattern": EXPRESSION_PATTERN,
        },
        "positive-integer": {**integer(1), "description": "A positive integer."},
        "count": with_refs(integer(1), "A positive integer."),
        "nonnegative": with_refs(integer(0), "An integer ≥ 0."),
        "integer": with_refs(integer(-MAX_INT), "An integer."),
        "boolean": {"description": "true or false.", "anyOf": [{"type": "boolean"}, ref("param")]},
        "counts": listed("count", "A positive integer, or a list of one per spatial dimension."),
        "nonnegatives": listed("nonnegative", "An integer ≥ 0, or a list of one per spatial dimension."),
        "positive-number": with_refs({"type": "number", "exclusiveMinimum": 0}, "A number > 0."),
        "positive-numbers": listed("positive-number", "A number > 0, or a list of one per spatial dimension."),
        "numeric-padding": {
            "description": "A number, or a list per spatial dimension, each a number or a [lo, hi] pair.",
            "anyOf": [
                ref("nonnegative"),
                {"type": "array", "minItems": 1, "items": {"anyOf": [ref("nonnegative"), pair]}},
            ],
        },
        "padding": {
            "description": "A number; a list per spatial dimension, each a number or a [lo, hi] pair; "
            "valid (0); same (output ⌈n/s⌉, TensorFlow's rule); half (⌊d(k−1)/2⌋ on both sides); "
            "full (d(k−1) on both sides).",
            "anyOf": [ref("numeric-padding"), {"enum": list(A.PADDING_WORDS)}],
        },
        "text": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]},
        "reference": {
            "description": "A row name or path a/b visible from the entry, NAME.i for a copy of a repeated "
            "entry, or -1 for the entry just before.",
            "anyOf": [{"type": "string", "minLength": 1}, {"const": -1}],
        },
    }


def _common_keys() -> dict[str, Schema]:
    keys = {
        "name": {
            "description": "The row's name (no '/'; unique among its siblings). Default: the type name "
            "and a running count (conv1, conv2, ...).",
            "anyOf": [
                {"type": "string", "pattern": ROW_NAME_PATTERN},
                {"type": "integer"},
                {"type": "null"},
                ref("expression"),
            ],
        },
        "repeat": {
            "description": "The entry N times in a row (N ≥ 1), rows named NAME.1 .. NAME.N.",
            "anyOf": [ref("count")],
        },
        "trainable": {
            "description": "false: the entry's parameters count as frozen (default true).",
            "anyOf": [ref("boolean")],
        },
        "if": {
            "description": "The entry is left out when false (or 0): useful with a block parameter, if: $use_se.",
            "anyOf": [{"type": "boolean"}, {"type": "integer"}, ref("param"), ref("expression")],
        },
        "from": {
            "description": "The tensors the entry reads: a visible row name or path a/b, NAME.i for a "
            "repeated entry's copy, -1 for the entry before; a list for merges and blocks with several inputs.",
            "anyOf": [
                ref("reference"),
                {"type": "array", "minItems": 1, "items": ref("reference")},
                ref("param"),
            ],
        },
        "share": {
            "description": "Use the parameters of the earlier row NAME (same type and parameter shapes): "
            "counted once, at NAME; MACs at every use.",
            "anyOf": [{"type": "string", "minLength": 1}, ref("param")],
        },
        "ignore": {
            "description": "Diagnostic codes (warnings and notes) silenced on this entry's rows, "
            "every row inside it included: ignore: [uneven-stride].",
            "anyOf": [
                {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                {"type": "array", "items": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}},
            ],
        },
    }
    if tuple(keys) != tuple(COMMON_KEYS):
        raise SchemaError(f"spec.COMMON_KEYS is {COMMON_KEYS}; convcalc.schema describes {tuple(keys)}")
    return keys


# ----- layer entries ------------------------------------------------------------------


def _layer_description(rule: LayerRule) -> str:
    text = f"{rule.name}: {rule.summary or rule.name}."
    if rule.aliases:
        text += f" Aliases: {', '.join(rule.aliases)}."
    if rule.args:
        keys = [f"{k} (required)" if a.default is A.REQUIRED else k for k, a in rule.args.items()]
        text += f" Keys: {', '.join(keys)}."
    return text


def _needs_args(rule: LayerRule) -> bool:
    return any(arg.default is A.REQUIRED for arg in rule.args.values())


def _object(properties: dict[str, Schema], required: list[str]) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _entry_args(description: str, body: Schema, nullable: bool) -> Schema:
    """An entry's args: the mapping, or null when nothing is required, or a whole `$param`."""
    options = [body, *([{"type": "null"}] if nullable else []), ref("param")]
    return {"description": description, "anyOf": options}


def _layer_def(rule: LayerRule, common: dict[str, Schema]) -> Schema:
    properties = {key: _arg_schema(rule.name, key, arg) for key, arg in rule.args.items()}
    for key in common:
        if key in properties:
            raise SchemaError(f"layer {rule.name!r} has an arg {key!r}, reserved for every entry")
        properties[key] = ref(f"common.{key}")
    required = [key for key, arg in rule.args.items() if arg.default is A.REQUIRED]
    return _entry_args(_layer_description(rule), _object(properties, required), not required)


def _composite_defs(common: dict[str, Schema]) -> dict[str, Schema]:
    commons = {key: ref(f"common.{key}") for key in common}
    defs = {
        "sequence": _entry_args(
            "sequence: a sub-list of layers, usually with repeat.",
            _object(
                {"layers": {"description": "The layers, in order.", "anyOf": [ref("layer-list")]}, **commons},
                ["layers"],
            ),
            False,
        ),
        "parallel": _entry_args(
            "parallel: branches that all get the same input, merged by concat (along channels), add or mul.",
            _object(
                {
                    "branches": {
                        "description": "A list of layer lists; an empty branch [] is the identity.",
                        "anyOf": [{"type": "array", "minItems": 1, "items": ref("layer-list")}, ref("param")],
                    },
                    "merge": {
                        "description": "concat (along channels; the default), add (equal shapes) or mul "
                        "(broadcasting size-1 dimensions).",
                        "default": "concat",
                        "anyOf": [{"enum": ["concat", "add", "mul"]}, {"type": "null"}, ref("param")],
                    },
                    **commons,
                },
                ["branches"],
            ),
            False,
        ),
        "residual": _entry_args(
            "residual: main + shortcut, equal shapes; no shortcut means the identity.",
            _object(
                {
                    "main": {"description": "The main path.", "anyOf": [ref("layer-list")]},
                    "shortcut": {
                        "description": "The shortcut path (default: the identity).",
                        "anyOf": [ref("layer-list")],
                    },
                    **commons,
                },
                ["main"],
            ),
            False,
        ),
    }
    if tuple(defs) != tuple(COMPOSITES):
        raise SchemaError(f"spec.COMPOSITES is {COMPOSITES}; convcalc.schema describes {tuple(defs)}")
    return {f"composite.{name}": schema for name, schema in defs.items()}


def _entry_defs() -> dict[str, Schema]:
    builtin = [*RULES, *COMPOSITES]
    bare = [
        {"const": name, "description": _layer_description(rule)}
        for name, rule in RULES.items()
        if not _needs_args(rule)
    ]
    types = {name: ref(f"layer.{rule.name}") for name, rule in RULES.items()}
    types.update({name: ref(f"composite.{name}") for name in COMPOSITES})
    simple_bare = [{"const": name} for name, rule in RULES.items() if rule.simple and not _needs_args(rule)]
    simple_types = {name: ref(f"layer.{rule.name}") for name, rule in RULES.items() if rule.simple}
    return {
        "entry": {
            "description": "A layer entry: a bare type name (relu) or a one-key mapping {TYPE: {ARGS}}; "
            "TYPE is a built-in layer type, sequence, parallel, residual, or a block defined under blocks.",
            "anyOf": [
                ref("bare-entry"),
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": types,
                    "propertyNames": {"pattern": BLOCK_NAME_PATTERN},
                    "additionalProperties": ref("block-use"),
                },
            ],
        },
        "bare-entry": {
            "description": "A layer type without required keys, a block, or a $param.",
            "anyOf": [
                *bare,
                ref("param"),
                {
                    "description": "A block defined under blocks.",
                    "type": "string",
                    "pattern": BARE_BLOCK_PATTERN,
                    "not": {"enum": builtin},
                },
            ],
        },
        "block-use": {
            "description": "A block defined under blocks, its parameters as keys "
            "(plus name, repeat, trainable, if, from, share).",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {key: ref(f"common.{key}") for key in COMMON_KEYS},
                    "propertyNames": {"pattern": IDENTIFIER_PATTERN},
                },
                {"type": "null"},
                ref("param"),
            ],
        },
        "layer-list": {
            "anyOf": [{"type": "array", "items": ref("entry")}, {"type": "null"}, ref("param")],
        },
        "activation": {
            "description": "A shape-preserving layer without parameters, added as its own row; or none.",
            "anyOf": [
                {"const": "none"},
                *simple_bare,
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": simple_types,
                    "additionalProperties": False,
                },
                ref("param"),
            ],
        },
    }


# ----- the top level ------------------------------------------------------------------


def _budget() -> Schema:
    kinds: dict[str, Schema] = {
        "count": {
            "description": "A number with an optional K/M/G/T suffix (powers of 1000): 25.6M.",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _quantity_pattern(list(_MULTIPLIERS))},
            ],
        },
        "bytes": {
            "description": "Bytes: a number with an optional suffix: K/M/G/T, KB/MB/GB/TB (powers of 1000) "
            "or KiB/MiB/GiB/TiB (powers of 1024): 120MB, 1GiB.",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _quantity_pattern([*_MULTIPLIERS, *_BYTE_MULTIPLIERS])},
            ],
        },
        "shape": {
            "description": "The expected output shape, channels first: [1000] or [C, H, W].",
            "anyOf": [ref("positive-integer"), {"type": "array", "minItems": 1, "items": ref("positive-integer")}],
        },
        "batch": {
            "description": "The batch the other limits are measured at (default: check's --batch).",
            **ref("positive-integer"),
        },
        "optimizer": {
            "description": "The optimizer training_memory counts the state of (default: check's --optimizer).",
            "enum": list(OPTIMIZERS),
        },
    }
    words = {
        "params": "parameters", "trainable_params": "trainable parameters", "macs": "multiply-accumulates",
        "flops": "FLOPs (2 × MACs)", "activations": "activation elements", "memory": "memory",
        "peak_memory": "peak activation memory", "output": "output shape",
        "backward_macs": "multiply-accumulates of the backward pass",
        "training_memory": "bytes of parameters, gradients, optimizer state and saved activations",
    }  # fmt: skip
    properties: dict[str, Schema] = {}
    for key, kind in BUDGET_KEYS.items():
        if kind not in kinds:
            raise SchemaError(f"budget key {key!r} has the kind {kind!r}, which convcalc.schema does not know")
        what = words.get(key, key.replace("_", " "))
        if kind in ("batch", "optimizer"):
            properties[key] = kinds[kind]
            continue
        verb = "The expected" if kind == "shape" else "At most this many"
        properties[key] = {**kinds[kind], "description": f"{verb} {what}. {kinds[kind]['description']}"}
    return {
        "description": "Limits checked by `convcalc check`: {params: 25.6M, macs: 4.1G, memory: 120MB}.",
        "type": ["object", "null"],
        "properties": properties,
        "additionalProperties": False,
    }


def _input() -> Schema:
    return {
        "description": "The input: {channels: C, size: N} (2-D, N×N), size: [L], [H, W] or [D, H, W]; "
        "or a list [C, L], [C, H, W], [C, D, H, W], channels first; or {shape: [H, W, C], layout: hwc}.",
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "channels": {"description": "Input channels.", "anyOf": [ref("positive-integer")]},
                    "size": {
                        "description": "A number (square 2-D), or [L], [H, W], [D, H, W].",
                        "anyOf": [
                            ref("positive-integer"),
                            {"type": "array", "minItems": 1, "maxItems": 3, "items": ref("positive-integer")},
                        ],
                    },
                },
                "required": ["channels", "size"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "shape": {
                        "description": "The input's dimensions in the order layout names.",
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 4,
                        "items": ref("positive-integer"),
                    },
                    "layout": {
                        "description": "chw: channels first (PyTorch, the default); hwc: channels last "
                        "(Keras/TensorFlow). cl/lc and cdhw/dhwc for 1-D and 3-D inputs.",
                        "enum": list(LAYOUTS),
                    },
                },
                "required": ["shape"],
                "additionalProperties": False,
            },
            {"type": "array", "minItems": 2, "maxItems": 4, "items": ref("positive-integer")},
        ],
    }


def _inputs() -> Schema:
    return {
        "description": "Several network inputs: name → shape, each written as input is. Not with input.",
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": IDENTIFIER_PATTERN},
        "additionalProperties": _input(),
    }


def _outputs() -> Schema:
    return {
        "description": "The network's outputs: row names or paths (default: the last top-level entry).",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        ],
    }


def _blocks() -> Schema:
    return {
        "description": "User-defined layer types: name → {params, layers}. Used like a built-in type.",
        "type": ["object", "null"],
        "propertyNames": {"pattern": BLOCK_NAME_PATTERN, "not": {"enum": [*RULES, *COMPOSITES]}},
        "additionalProperties": {
            "type": "object",
            "properties": {
                "description": {"description": "What the block is (not used by convcalc)."},
                "params": {
                    "description": "Parameter name → default; null: required. Used in the layers as $name "
                    'or in "${expressions}".',
                    "type": ["object", "null"],
                    "propertyNames": {"pattern": IDENTIFIER_PATTERN, "not": {"enum": list(COMMON_KEYS)}},
                },
                "layers": {"description": "The block's layers.", "type": "array", "items": ref("entry")},
                "inputs": {
                    "description": "Names of the block's inputs (default: one, called input); a use gives "
                    "one tensor per input in from, in this order.",
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": IDENTIFIER_PATTERN},
                },
                "output": {
                    "description": "The row giving the block's output (default: its last entry).",
                    "type": "string",
                    "minLength": 1,
                },
            },
            "required": ["layers"],
            "additionalProperties": False,
        },
    }


def spec_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of convcalc spec format 1.

    Built afresh on each call from the layer registry; plain JSON data (dicts,
    lists, strings, numbers), in the same order every time.
    Raises :class:`SchemaError` if a layer arg's check function has no schema.
    """
    common = _common_keys()
    defs: dict[str, Schema] = {**_common_defs(), **{f"common.{key}": value for key, value in common.items()}}
    defs.update(_entry_defs())
    defs.update({f"layer.{name}": _layer_def(rule, common) for name, rule in CANONICAL.items()})
    defs.update(_composite_defs(common))
    properties: dict[str, Schema] = {
        "convcalc": {
            "description": f"The spec format version: {FORMAT_VERSION} (optional; any other is an error).",
            "type": "integer",
            "const": FORMAT_VERSION,
        },
        "name": {"description": "The network's name (default: the file's stem).", "anyOf": [ref("text")]},
        "description": {"description": "A description of the network.", "anyOf": [ref("text")]},
        "input": _input(),
        "inputs": _inputs(),
        "outputs": _outputs(),
        "dtype": {
            "description": "Element type, for memory: "
            + ", ".join(f"{k} ({v} B)" for k, v in DTYPE_BYTES.items())
            + ". Default float32.",
            "enum": list(DTYPE_BYTES),
            "default": "float32",
        },
        "budget": _budget(),
        "blocks": _blocks(),
        "layers": {"description": "The network's layers, in order.", "type": "array", "items": ref("entry")},
    }
    if tuple(properties) != tuple(TOP_LEVEL_KEYS):
        raise SchemaError(f"spec.TOP_LEVEL_KEYS is {TOP_LEVEL_KEYS}; convcalc.schema describes {tuple(properties)}")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": f"convcalc architecture spec, format {FORMAT_VERSION}",
        "description": "A convolutional network for convcalc: its input and its layers, for exact shapes, "
        "parameters, MACs, memory and receptive fields. See docs/spec-format.md.",
        "type": "object",
        "properties": properties,
        "required": ["layers"],
        "oneOf": [{"required": ["input"]}, {"required": ["inputs"]}],
        "additionalProperties": False,
        "$defs": defs,
    }


def schema_json(indent: int | None = 2) -> str:
    """:func:`spec_schema` as JSON text, the same bytes on every run (ends with a newline)."""
    return json.dumps(spec_schema(), indent=indent, ensure_ascii=False) + "\n"
