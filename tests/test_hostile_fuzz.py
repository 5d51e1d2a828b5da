"""Fuzzing with hostile pieces: YAML text, spec dicts and command lines built from what attacks look like.

tests/test_fuzz.py breaks valid specs at random; this one assembles inputs
from the pieces of the hostile corpus (tags with bad text, numbers of
thousands of digits in every base, alias chains, control characters,
shared sub-lists, option values past every bound) and holds every outcome
to the promise: a result or a located SpecError (one line of bounded
length) through the API, exit 0, 1 or 2 without a traceback through the
CLI, within the hypothesis deadline.
"""

from __future__ import annotations

import math
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc import SpecError
from convcalc.cli import main

HOSTILE = settings(
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_MESSAGE = 5000

NUMBERS = [
    "0x" + "f" * 300,
    "0b" + "1" * 200,
    "0" + "7" * 150,
    ":".join(["59"] * 60),
    "9" * 400,
    "1_" * 80 + "1",
    "1e999999",
    "-.inf",
    ".nan",
    "0x7fffffff",
    "2147483648",
    "-1",
    "0",
    "3",
]
TAGS = ["!!bool", "!!int", "!!float", "!!str", "!!null", "!!binary", "!!timestamp", "!foo", "!!python/object:os.system"]
SCALARS = ["maybe", '""', "seven", "-", "yes", "~", "[]", "{}", '"\\e[2J"', '"\\x1b]0;t\\a"', '"a\\nb"', '"\\u202e"']
KEYS = ["input", "layers", "name", "blocks", "budget", "dtype", "conv", "filters", "kernel", "stride", "repeat", "if"]


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    lines = ["input: {channels: 3, size: 8}"]
    for _ in range(draw(st.integers(1, 6))):
        key = draw(st.sampled_from(KEYS + ["x", "y"]))
        kind = draw(st.integers(0, 5))
        if kind == 0:
            value = draw(st.sampled_from(NUMBERS))
        elif kind == 1:
            value = f"{draw(st.sampled_from(TAGS))} {draw(st.sampled_from(SCALARS + NUMBERS))}"
        elif kind == 2:
            depth = draw(st.integers(1, 400))
            value = "[" * depth + "1" + "]" * draw(st.integers(0, depth))
        elif kind == 3:
            chain = draw(st.integers(1, 300))
            lines += ["a0: &a0 [relu]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, chain)]
            value = f"*a{chain - 1}"
        elif kind == 4:
            value = "[{conv: {filters: " + draw(st.sampled_from(NUMBERS)) + ", kernel: 3}}]"
        else:
            value = draw(st.sampled_from(SCALARS))
        lines.append(f"{key}: {value}")
    if draw(st.booleans()):
        lines.append("layers: [relu]")
    return "\n".join(lines) + "\n"


def _holds(source: Any) -> None:
    try:
        report = convcalc.analyze(source, max_rows=5000)
    except SpecError as error:
        assert error.code and len(str(error)) < MAX_MESSAGE, str(error)[:200]
        return
    assert report.totals.flops == 2 * report.totals.macs


@HOSTILE
@given(yaml_texts())
def test_hostile_yaml_text(text: str) -> None:
    _holds(text)


SPECIAL = {
    "10^5000": 10**5000,
    "-2^4000": -(2**4000),
    "2^31": 2**31,
    "zero": 0,
    "three": 3,
    "true": True,
    "none": None,
    "inf": math.inf,
    "nan": math.nan,
    "1e308": 1e308,
}


def _special(name: str) -> Any:
    return SPECIAL[name]


def _values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.integers(-(10**120), 10**120),
        st.sampled_from(sorted(SPECIAL)).map(_special),  # by name: hypothesis cannot print 10**5000
        st.text(max_size=20),
        st.sampled_from(["relu", "conv", "\x00", "\x1b[2J", "a/b", "${1+}", "$x", "=1+1"]),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(KEYS + ["\x00", ""]), inner, max_size=4),
        ),
        max_leaves=20,
    )


@st.composite
def spec_dicts(draw: st.DrawFn) -> dict[str, Any]:
    layers: list[Any] = draw(st.lists(_values(), max_size=5))
    if draw(st.booleans()):
        shared: list[Any] = ["relu"]
        for _ in range(draw(st.integers(1, 40))):
            shared = [{"sequence": {"layers": shared}}, {"sequence": {"layers": shared}}]
        layers.append({"sequence": {"layers": shared}})
    spec: dict[str, Any] = {"input": draw(st.one_of(st.just({"channels": 3, "size": 8}), _values())), "layers": layers}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        spec[key] = draw(_values())
    return spec


@HOSTILE
@given(spec_dicts())
def test_hostile_spec_dicts(spec: dict[str, Any]) -> None:
    _holds(spec)


VALUES = ["0", "1", "3", "7x5", "8x8x8", "2147483647", "2147483648", "9" * 50, "-1", "x", "", "same", "full",
          "1e9", "\x1b[2J", "3x3/2", "3d2", "7\n8", "25.6M", "1GiB", "9" * 300 + "G"]
OPTIONS = ["--kernel", "--stride", "--padding", "--dilation", "--target", "--frame", "--output-padding",
           "--max-rows", "--depth", "--max-params", "--max-memory", "--format", "--layout"]
COMMANDS = ["analyze", "check", "conv", "rf", "draw", "compare", "schema"]
SPECS = ["specs/alexnet.yaml", "alexnet", "-", "/dev/null", "missing.yaml", "specs"]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(COMMANDS))
    argv = [command]
    if command == "draw":
        argv.append(draw(st.sampled_from(["conv", *SPECS])))
    if command in ("conv", "draw", "rf"):
        argv += draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3))
    else:
        argv += draw(st.lists(st.sampled_from(SPECS), min_size=1, max_size=2))
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from(OPTIONS))
        value = draw(st.sampled_from(VALUES + ["json", "csv", "sarif", "hwc", "markdown"]))
        argv += [option, value]
    return argv


@settings(HOSTILE, max_examples=80)
@given(command_lines())
def test_hostile_command_lines(argv: list[str]) -> None:
    result = CliRunner().invoke(main, argv, input="")
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output[-300:])
    assert "Traceback" not in result.output
    assert "\x1b" not in result.output, (argv, result.output[-300:])
    assert max((len(line) for line in result.output.splitlines()), default=0) < MAX_MESSAGE
