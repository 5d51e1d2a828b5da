"""Random specs, valid and broken: ``analyze`` returns a sane Report or raises SpecError, nothing else.

Specs are built as Python dicts from a small grammar (conv, pools, fc, bn,
activations, flatten, parallel, residual, sequence with repeat, and uses of
two blocks with ``$param`` and ``${expr}`` arguments), then optionally broken:
a key dropped or renamed, a value replaced by a wrong type, a boolean, a
float, a negative, a huge integer or a string, an unknown type inserted,
entries nested deeply, names duplicated. Each spec goes in as the dict and as
YAML text (``yaml.safe_dump``), and the text is broken further: characters
deleted, YAML fragments or random characters inserted, lines duplicated or
re-indented.

Every outcome must be one of:
- a Report whose numbers agree: totals are the sums of the top-level rows, a
  composite row holds the sums of the leaf rows under it, FLOPs = 2 × MACs,
  every output dimension ≥ 1, the peak memory covers every leaf output, and
  the JSON form serializes;
- a SpecError with a code and a message, and for YAML text a line ≥ 1 unless
  the error is about the whole file (``empty``, ``file``, ``encoding``).

What the fuzzing found: fixed issues are kept as ``@example`` inputs of the test
that found them; open ones are in ``FOUND``, one strict xfail each, and
``known_issue`` lets the random tests pass them so that those keep looking for
new ones. ``CONVCALC_FUZZ_SCALE=50`` multiplies the example counts for a long
hunt (about 440 examples and a few seconds by default).
"""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import convcalc

WHOLE_FILE_CODES = {"empty", "file", "encoding"}
SCALE = float(os.environ.get("CONVCALC_FUZZ_SCALE", "1"))
"""Multiply every example count, for a long hunt: ``CONVCALC_FUZZ_SCALE=50 pytest tests/test_fuzz.py``."""
FUZZ_MAX_ROWS = 20_000
"""The row cap for fuzzed specs: a random `repeat` may legitimately ask for a million rows,
which is a cost the benchmarks measure, not something a test should wait for."""
FUZZ = settings(
    max_examples=int(120 * SCALE),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    database=None,
)

# ----- valid specs ----------------------------------------------------------------------

BLOCKS = {
    "unit": {
        "params": {"width": None, "k": 3, "down": False},
        "layers": [
            {"conv": {"filters": "$width", "kernel": "$k", "padding": "${k // 2}", "bias": False}},
            "bn",
            "relu",
            {"conv": {"filters": "${width * 2}", "kernel": 1, "if": "$down"}},
        ],
    },
    "pair": {
        "params": {"width": 8},
        "layers": [{"unit": {"width": "$width"}}, {"unit": {"width": "${max(1, width // 2)}", "k": 1}}],
    },
}

SIMPLE = ["relu", "relu6", "gelu", "sigmoid", "tanh", "identity", "silu", "hardswish", "softmax"]


def small(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


def conv() -> st.SearchStrategy[dict]:
    args = st.fixed_dictionaries(
        {"filters": small(1, 16), "kernel": st.one_of(small(1, 5), st.lists(small(1, 5), min_size=2, max_size=2))},
        optional={
            "stride": small(1, 3),
            "padding": st.one_of(small(0, 2), st.sampled_from(["same", "half", "valid", "full"])),
            "dilation": small(1, 2),
            "bias": st.booleans(),
            "activation": st.sampled_from(["relu", "none", "gelu", {"leakyrelu": {"slope": 0.2}}]),
            "if": st.sampled_from([True, False, 0, 1]),
            "repeat": small(1, 3),
            "trainable": st.booleans(),
        },
    )
    return args.map(lambda a: {"conv": a})


def deconv() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"filters": small(1, 8), "kernel": small(1, 4)}, optional={"stride": small(1, 2), "padding": small(0, 1)}
    ).map(lambda a: {"deconv": a})


def pool() -> st.SearchStrategy[dict]:
    return st.tuples(
        st.sampled_from(["maxpool", "avgpool"]),
        st.fixed_dictionaries(
            {"kernel": small(1, 3)},
            optional={"stride": small(1, 2), "padding": small(0, 1), "ceil_mode": st.booleans()},
        ),
    ).map(lambda t: {t[0]: t[1]})


def leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        conv(),
        conv(),
        pool(),
        deconv(),
        st.fixed_dictionaries({"units": small(1, 32)}, optional={"bias": st.booleans()}).map(lambda a: {"fc": a}),
        st.sampled_from(["bn", "flatten", "gap", "layernorm", *SIMPLE]),
        st.fixed_dictionaries({}, optional={"rate": st.sampled_from([0.0, 0.1, 0.5])}).map(lambda a: {"dropout": a}),
        small(1, 4).map(lambda g: {"groupnorm": {"groups": g}}),
        small(1, 4).map(lambda s: {"upsample": {"scale": s}}),
        small(1, 4).map(lambda o: {"adaptiveavgpool": {"output": o}}),
        st.fixed_dictionaries({"width": small(1, 8)}, optional={"k": small(1, 3), "down": st.booleans()}).map(
            lambda a: {"unit": a}
        ),
        st.fixed_dictionaries({}, optional={"width": small(1, 8), "repeat": small(1, 2)}).map(lambda a: {"pair": a}),
    )


def composite(children: st.SearchStrategy[list]) -> st.SearchStrategy[dict]:
    return st.one_of(
        st.fixed_dictionaries({"layers": children}, optional={"repeat": small(1, 3)}).map(lambda a: {"sequence": a}),
        st.fixed_dictionaries(
            {"branches": st.lists(children, min_size=1, max_size=3)},
            optional={"merge": st.sampled_from(["concat", "add", "mul"])},
        ).map(lambda a: {"parallel": a}),
        st.fixed_dictionaries({"main": children}, optional={"shortcut": children}).map(lambda a: {"residual": a}),
    )


layer_lists = st.recursive(
    st.lists(leaf(), max_size=4),
    lambda children: st.lists(st.one_of(leaf(), composite(children)), min_size=1, max_size=4),
    max_leaves=12,
)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict:
    spec: dict[str, Any] = {
        "input": draw(
            st.one_of(
                st.fixed_dictionaries({"channels": small(1, 8), "size": small(1, 40)}),
                st.fixed_dictionaries(
                    {"channels": small(1, 8), "size": st.lists(small(1, 24), min_size=1, max_size=3)}
                ),
                st.lists(small(1, 24), min_size=2, max_size=4),
            )
        ),
        "layers": draw(layer_lists),
    }
    if draw(st.booleans()):
        spec["blocks"] = copy.deepcopy(BLOCKS)
    if draw(st.booleans()):
        spec["name"] = draw(st.text(max_size=10))
    if draw(st.booleans()):
        spec["dtype"] = draw(st.sampled_from(["float32", "float16", "int8", "float64"]))
    if draw(st.booleans()):
        spec["convcalc"] = 1
    if draw(st.integers(0, 3)) == 0:
        spec["budget"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "params": st.sampled_from([1000, "25.6M", "1K"]),
                    "memory": st.sampled_from(["120MB", "1GiB", 5000]),
                    "output": st.lists(small(1, 10), min_size=1, max_size=3),
                },
            )
        )
    return spec


# ----- breaking them ------------------------------------------------------------------------

BAD_VALUES = [
    True,
    False,
    None,
    0,
    -1,
    -7,
    1.5,
    2.0,
    10**6,
    2**31 - 1,
    2**31,
    10**40,
    -(10**40),
    1e300,
    "abc",
    "",
    "3x3",
    "$width",
    "${1 // 0}",
    "${width * width * width}",
    "${__import__('os')}",
    [],
    {},
    [1, 2, 3],
    [[1, 2]],
    {"a": 1},
    float("nan"),
    float("inf"),
    "relu",
    "conv",
    "same",
]
BAD_ENTRIES = [
    "conv2dd",
    "frobnicate",
    "",
    {"frob": {}},
    {"conv": None},
    {"conv": [1]},
    {"relu": {"repeat": 10**9}},
    {"relu": {"repeat": 5000}},
    {"relu": {"name": "x"}},
    {"$width": {}},
    {"relu": {}, "bn": {}},
    {},
    7,
    None,
    [],
    {"unit": {}},
    {"pair": {"width": "${width}"}},
    {"sequence": {"layers": "relu"}},
    {"parallel": {"branches": []}},
]
ANY_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True),
        st.text(max_size=6),
        st.sampled_from(["relu", "conv", "fc", "unit", "$width", "${width}", "same", "concat", "mul"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["conv", "relu", "kernel", "filters", "layers", "x", "name"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
"""Any YAML-like value, for the ``random`` mutation."""

KEY_RENAMES = [
    lambda k: k + "s",
    lambda k: k[:-1],
    lambda k: k.upper(),
    lambda k: "name",
    lambda k: "repeat",
    lambda k: "if",
    lambda k: "$" + k,
    lambda k: k + "_size",
    lambda k: "<<",
]


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths to every dict and list in ``node``."""
    found = []
    if isinstance(node, (dict, list)):
        found.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            found += _containers(value, path + (key,))
    return found


def _at(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict:
    spec = copy.deepcopy(draw(valid_specs()))  # sampled_from hands out shared objects: mutate a copy
    nested = False
    for _ in range(draw(st.integers(1, 3))):
        target = _at(spec, draw(st.sampled_from(_containers(spec))))
        operation = draw(
            st.sampled_from(["drop", "replace", "rename", "insert", "nest", "duplicate-name", "repeat", "random"])
        )
        if operation == "nest" and not nested:
            # Once per spec: deeper still would exhaust the recursion of yaml.safe_dump and deepcopy.
            nested = True
            depth = draw(st.sampled_from([2, 30, 70]))
            inner: Any = spec.get("layers", [])
            for _ in range(depth):
                inner = [{"sequence": {"layers": inner}}]
            spec["layers"] = inner
        elif operation == "duplicate-name" and isinstance(target, list) and len(target) >= 2:
            for index in (0, 1):
                item = target[index]
                if isinstance(item, dict) and len(item) == 1:
                    (args,) = item.values()
                    if isinstance(args, dict):
                        args["name"] = "x"
                else:
                    target[index] = {"relu": {"name": "x"}}
        elif operation == "repeat" and isinstance(target, list) and target:
            index = draw(st.integers(0, len(target) - 1))
            count = draw(st.sampled_from([2, 1000, 10**6, 10**9, 0, -1]))
            target[index] = {"sequence": {"layers": [target[index]], "repeat": count}}
        elif operation == "random" and target:
            key = draw(st.sampled_from(sorted(target, key=str) if isinstance(target, dict) else range(len(target))))
            target[key] = draw(ANY_VALUE)
        elif isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target, key=str)))
            if operation == "drop":
                del target[key]
            elif operation == "rename":
                new = draw(st.sampled_from(KEY_RENAMES))(key)
                target[new] = target.pop(key)
            else:
                target[key] = copy.deepcopy(draw(st.sampled_from(BAD_VALUES + BAD_ENTRIES)))
        elif isinstance(target, list):
            index = draw(st.integers(0, len(target)))
            if operation == "drop" and target:
                del target[min(index, len(target) - 1)]
            elif operation == "replace" and target:
                target[min(index, len(target) - 1)] = copy.deepcopy(draw(st.sampled_from(BAD_VALUES)))
            else:
                target.insert(index, copy.deepcopy(draw(st.sampled_from(BAD_ENTRIES + BAD_VALUES))))
    return spec


any_specs = st.one_of(valid_specs(), mutated_specs(), mutated_specs())

FRAGMENTS = [
    ": ",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\t",
    "  ",
    "\n",
    "&a ",
    "*a",
    "*nope",
    "<<: *a",
    "!!python/object:os.system ",
    "!!binary ",
    "!custom ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "? ",
    "|\n",
    ">\n",
    "'",
    '"',
    "#",
    "\x00",
    "\x1b",
    "\x85",
    "\xa0",
    "\ufeff",
    "é",
    "\u2028",
    "\r",
    "\r\n",
    "${",
    "$width",
    "repeat: 1000000000",
    "name: x",
    "conv",
    "layers:",
    "10000000000000000000000000000000000000000",
    "-1",
    ".nan",
    "yes",
    "~",
]


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    text = yaml.safe_dump(draw(any_specs), sort_keys=False, allow_unicode=True, default_flow_style=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        operation = draw(st.sampled_from(["delete", "fragment", "text", "duplicate-line", "indent", "bytes"]))
        at = draw(st.integers(0, len(text)))
        if operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 10)) :]
        elif operation == "fragment":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif operation == "text":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif operation == "bytes":
            raw = draw(st.binary(max_size=8))
            how = draw(st.sampled_from([("latin-1", "strict"), ("utf-8", "replace"), ("utf-8", "surrogateescape")]))
            text = text[:at] + raw.decode(*how) + text[at:]
        else:
            lines = text.split("\n")
            index = draw(st.integers(0, len(lines) - 1))
            if operation == "duplicate-line":
                lines.insert(index, lines[index])
            else:
                lines[index] = " " * draw(st.integers(0, 7)) + lines[index].lstrip(" ")
            text = "\n".join(lines)
    # A string without a newline may be taken for a path: keep every text a text.
    return text if "\n" in text else text + "\n"


# ----- the checks ---------------------------------------------------------------------------


def check_report(report: convcalc.Report) -> None:
    rows = report.rows
    totals = report.totals
    top = [row for row in rows if len(row.path) == 1]
    for field in ("params", "trainable_params", "macs", "activation_bytes", "buffers"):
        assert getattr(totals, field) == sum(getattr(row, field) for row in top), field
    summed = ("params", "trainable_params", "macs", "activation_bytes")
    under: dict[tuple[str, ...], list[int]] = {}  # a composite's path -> the sums of the leaves below it
    for row in rows:
        assert all(isinstance(n, int) and n >= 1 for n in row.output_shape), (row.path_text, row.output_shape)
        assert row.flops == 2 * row.macs
        assert 0 <= row.trainable_params <= row.params
        assert row.macs >= 0 and row.activation_bytes >= 0
        if row.leaf:
            for depth in range(1, len(row.path)):
                sums = under.setdefault(row.path[:depth], [0] * len(summed))
                for i, field in enumerate(summed):
                    sums[i] += getattr(row, field)
    for row in rows:
        if not row.leaf:
            sums = under.get(row.path, [0] * len(summed))
            for i, field in enumerate(summed):
                assert getattr(row, field) == sums[i], (row.path_text, field)
    assert all(n >= 1 for n in report.output_shape), report.output_shape
    assert totals.flops == 2 * totals.macs
    input_bytes = math.prod(report.input_shape) * report.dtype_bytes
    assert totals.peak_activation_bytes >= max([input_bytes] + [r.activation_bytes for r in rows if r.leaf])
    json.dumps(report.to_dict())


def known_issue(error: BaseException) -> str:
    """The open FOUND case an error is an instance of, or "" (see FOUND below; none is open)."""
    return ""


def check_outcome(source: Any, from_text: bool, tolerate_known: bool = True) -> None:
    """Analyze ``source``; a Report must be sane, an error a located SpecError.

    With ``tolerate_known``, the known issues of FOUND pass (their strict xfails track them),
    so that the random tests keep looking for new ones.
    """
    try:
        report = convcalc.analyze(source, max_rows=FUZZ_MAX_ROWS)
    except convcalc.SpecError as error:
        if tolerate_known and known_issue(error):
            return
        diagnostic = error.diagnostic
        assert diagnostic.code, diagnostic
        assert diagnostic.message, diagnostic
        assert diagnostic.severity == "error"
        if from_text and diagnostic.code not in WHOLE_FILE_CODES:
            assert diagnostic.position.line >= 1, diagnostic.format()
        return
    except Exception as error:  # noqa: BLE001 - anything but a SpecError is a finding
        if tolerate_known and known_issue(error):
            return
        raise
    check_report(report)


# ----- the tests ----------------------------------------------------------------------------


# Inputs the fuzzing found that crashed, kept as regression cases (both fixed). A new open one
# goes here as a strict xfail, named as known_issue() names it, so the random tests keep looking.
FOUND = [
    pytest.param(
        "input: {channels: 3, size: 8}\nname: caf\udce9\nlayers: [relu]\n",
        id="lone-surrogate-crash",
    ),
    pytest.param(
        {
            "input": {"channels": 3, "size": 8},
            "layers": [
                "flatten",
                {"parallel": {"branches": [[{"fc": {"units": 4}}], [{"fc": {"units": 4}}]]}},
                {"parallel": {"branches": [[], [{"fc": {"units": 3}}]]}},
            ],
        },
        id="flat-merge-receptive-field-crash",
    ),
]


@pytest.mark.parametrize("source", FOUND)
def test_found_example(source: Any) -> None:
    check_outcome(source, from_text=isinstance(source, str), tolerate_known=False)


@FUZZ
@given(any_specs)
@example({"input": {"channels": 8, "size": 25}, "layers": [], "dtype": {}})  # was a TypeError crash
@example({"input": {"channels": 4, "size": 22}, "layers": [], "budget": {"memory": {}}})  # was a TypeError crash
def test_random_spec_as_dict(spec: dict) -> None:
    check_outcome(spec, from_text=False)


@FUZZ
@given(any_specs)
def test_random_spec_as_yaml(spec: dict) -> None:
    check_outcome(yaml.safe_dump(spec, sort_keys=False), from_text=True)


@settings(FUZZ, max_examples=int(200 * SCALE))
@given(yaml_texts())
@example("\x1finput:\n  channels: 1\n  size: 1\nlayers: []\n")  # was a SpecError at line 0
@example("input:\n  channels: 8\n  size: 25\nlayers: []\ndtype: [float16]\n")  # was a TypeError crash
@example("input:\n  channels: 4\n  size: 22\nlayers: []\nbudget:\n  memory: [1]\n")  # was a TypeError crash
def test_random_yaml_text(text: str) -> None:
    check_outcome(text, from_text=True)
