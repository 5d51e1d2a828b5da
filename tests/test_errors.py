"""Every error of the spec format's list, through the CLI and the library.

Each bad spec is written to a file and run through ``convcalc analyze``: the
result is exactly one line on stderr, ``file:line:col: error[code]: row: message``,
located at the offending entry (for ``  - conv: {...}`` the column of ``conv``),
exit status 1 (2 when the file cannot be read at all), nothing on stdout and
no traceback. The same spec through :func:`convcalc.analyze` raises
:class:`convcalc.SpecError` with the same diagnostic.

Also here: block expressions are parsed, never evaluated by Python; YAML is
composed, never constructed (no tags, no alias bombs); unreadable files; and
warnings, which are not errors.
"""

from __future__ import annotations

import json
import re
import string
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import ROOT, analyze_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.cli import main

HEAD = "input: {channels: 3, size: 32}\nlayers:\n"


# ----- helpers ------------------------------------------------------------------------


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    # click 8.2+ keeps stdout and stderr apart (result.stdout / result.stderr; no mix_stderr).
    # catch_exceptions=False: an internal crash fails the test with its traceback
    # instead of looking like exit status 1.
    return CliRunner().invoke(main, ["analyze", *args], catch_exceptions=False)


def error_line(result: Result, exit_code: int = 1) -> str:
    """The single stderr line of a failed run, after the checks every error shares."""
    assert "Traceback" not in result.output + result.stderr, result.output
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def cli_error(tmp_path: Path, text: str, exit_code: int = 1) -> tuple[Path, str]:
    path = write_spec(tmp_path, text)
    return path, error_line(invoke(str(path)), exit_code)


# ----- the error list -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    code: str
    line: int
    column: int
    row: str
    """The row named after the location ("" for file-level errors)."""
    says: tuple[str, ...] = ()
    """Pieces the message must contain."""
    wrong_place: str = ""
    """xfail reason when the code or position is wrong."""
    wrong_row: str = ""
    """xfail reason when the row is wrong."""
    wrong_message: str = ""
    """xfail reason when only the message is wrong."""


BLOCK_UNIT = """\
input: {channels: 3, size: 32}
blocks:
  unit:
    params: {width: null, k: 3}
    layers:
      - conv: {filters: $width, kernel: $k, padding: 1}
      - relu
layers:
"""


def in_block(line: str, params: str = "{width: 8}") -> str:
    """A block ``unit`` whose one layer is ``line`` (at 6:9), used as ``layer1.0`` at 8:5."""
    return f"""\
input: {{channels: 3, size: 32}}
blocks:
  unit:
    params: {params}
    layers:
      - {line}
layers:
  - unit: {{name: layer1.0}}
"""


CASES = [
    # --- a kernel larger than the padded input
    Case(
        "kernel-larger-than-input",
        HEAD + "  - conv: {filters: 8, kernel: 3}\n  - conv: {filters: 8, kernel: 40, name: big}\n",
        "kernel-size",
        4,
        5,
        "big",
        ("kernel 40", "larger than the padded input 30"),
    ),
    Case(
        "dilated-kernel-larger-than-input",
        HEAD + "  - conv: {filters: 8, kernel: 3, dilation: 20}\n",
        "kernel-size",
        3,
        5,
        "conv1",
        ("dilated to 41", "padded input 32"),
    ),
    Case(
        "kernel-larger-in-width-only",
        HEAD + "  - conv: {filters: 2, kernel: [3, 40]}\n",
        "kernel-size",
        3,
        5,
        "conv1",
        ("kernel 40", "dimension W"),
    ),
    Case(
        "pool-kernel-larger-after-shrinking",
        "input: {channels: 3, size: 4}\nlayers:\n"
        "  - maxpool: {kernel: 2}\n  - maxpool: {kernel: 2}\n  - maxpool: {kernel: 2}\n",
        "kernel-size",
        5,
        5,
        "maxpool3",
        ("padded input 1",),
    ),
    Case(
        "kernel-larger-3d-depth",
        "input: [3, 4, 32, 32]\nlayers:\n  - conv: {filters: 2, kernel: [5, 3, 3]}\n",
        "kernel-size",
        3,
        5,
        "conv1",
        ("dimension D",),
    ),
    # --- an output size < 1
    Case(
        "deconv-output-below-one",
        "input: {channels: 3, size: 4}\nlayers:\n  - deconv: {filters: 8, kernel: 1, padding: 5}\n",
        "output-size",
        3,
        5,
        "deconv1",
        ("< 1", "= -6"),
    ),
    Case(
        "upsample-output-below-one",
        HEAD + "  - upsample: {scale: 0.01}\n",
        "output-size",
        3,
        5,
        "upsample1",
        ("empty output",),
    ),
    # --- channels not divisible by groups
    Case(
        "conv-input-channels-not-divisible-by-groups",
        HEAD + "  - conv: {filters: 8, kernel: 3}\n  - conv: {filters: 8, kernel: 3, groups: 3}\n",
        "groups",
        4,
        5,
        "conv2",
        ("input channels 8", "groups 3"),
    ),
    Case(
        "conv-filters-not-divisible-by-groups",
        HEAD + "  - conv: {filters: 9, kernel: 3, groups: 3}\n  - conv: {filters: 8, kernel: 3, groups: 3}\n",
        "groups",
        4,
        5,
        "conv2",
        ("filters 8", "groups 3"),
    ),
    Case(
        "depthwise-filters-not-divisible",
        HEAD + "  - conv: {filters: 4, kernel: 3, groups: depthwise}\n",
        "groups",
        3,
        5,
        "conv1",
        ("filters 4", "groups 3"),
    ),
    Case(
        "groupnorm-channels-not-divisible",
        HEAD + "  - conv: {filters: 10, kernel: 3}\n  - groupnorm: {groups: 4}\n",
        "groups",
        4,
        5,
        "groupnorm1",
        ("channels 10", "groups 4"),
    ),
    Case(
        "shuffle-channels-not-divisible",
        HEAD + "  - conv: {filters: 10, kernel: 3}\n  - shuffle: {groups: 4}\n",
        "groups",
        4,
        5,
        "shuffle1",
        ("channels 10", "groups 4"),
    ),
    Case(
        "chunk-channels-not-divisible",
        HEAD + "  - chunk: {index: 0, chunks: 2}\n",
        "groups",
        3,
        5,
        "chunk1",
        ("channels 3", "2 equal chunks"),
    ),
    # --- shapes that can't concat / add / mul
    Case(
        "concat-different-spatial-sizes",
        HEAD
        + """\
  - parallel:
      branches:
        - [conv: {filters: 4, kernel: 3}]
        - [conv: {filters: 4, kernel: 1}]
""",
        "shape",
        3,
        5,
        "parallel1",
        ("concat", "b1 4×30×30", "b2 4×32×32"),
    ),
    Case(
        "add-different-channels",
        HEAD
        + """\
  - parallel:
      merge: add
      branches:
        - [conv: {filters: 4, kernel: 1}]
        - [conv: {filters: 8, kernel: 1}]
""",
        "shape",
        3,
        5,
        "parallel1",
        ("add", "b1 4×32×32", "b2 8×32×32"),
    ),
    Case(
        "residual-main-and-shortcut-differ",
        HEAD
        + """\
  - conv: {filters: 8, kernel: 1}
  - residual:
      main:
        - conv: {filters: 16, kernel: 1}
""",
        "shape",
        4,
        5,
        "residual1",
        ("main 16×32×32", "shortcut 8×32×32"),
    ),
    Case(
        "mul-cannot-broadcast",
        HEAD
        + """\
  - parallel:
      merge: mul
      branches:
        - [conv: {filters: 4, kernel: 1}]
        - [conv: {filters: 8, kernel: 1}, gap]
""",
        "shape",
        3,
        5,
        "parallel1",
        ("mul", "b1 4×32×32", "b2 8×1×1"),
    ),
    Case(
        "mul-flat-branch-channels-differ",
        HEAD
        + """\
  - parallel:
      merge: mul
      branches:
        - [relu]
        - [flatten]
""",
        "shape",
        3,
        5,
        "parallel1",
        ("cannot broadcast", "3×32×32", "3072×1×1"),
    ),
    Case(
        "residual-in-block-shapes-differ",
        """\
input: {channels: 3, size: 32}
blocks:
  unit:
    params: {width: 8}
    layers:
      - residual:
          main:
            - conv: {filters: $width, kernel: 3, padding: 1}
            - conv: {filters: 4, kernel: 3, padding: 1}
layers:
  - conv: {filters: 8, kernel: 1}
  - unit: {name: layer1.0}
""",
        "shape",
        6,
        9,
        "layer1.0/residual1",
        ("main 4×32×32", "shortcut 8×32×32", "block 'unit'"),
    ),
    Case(
        "error-inside-a-parallel-branch",
        HEAD
        + """\
  - parallel:
      branches:
        - [relu]
        - - conv: {filters: 4, kernel: 3, padding: 1}
          - conv: {filters: 4, kernel: 3, groups: 3}
""",
        "groups",
        7,
        13,
        "parallel1/b2/conv2",
    ),
    # --- an unknown type, with "did you mean" for a near miss
    Case(
        "unknown-type-conv2dd",
        HEAD + "  - conv2dd: {filters: 8, kernel: 3}\n",
        "unknown-type",
        3,
        5,
        "conv2dd",
        ("'conv2dd'", "did you mean 'conv'?"),
    ),
    Case(
        "unknown-type-maxpol",
        HEAD + "  - conv: {filters: 8, kernel: 3}\n  - maxpol: {kernel: 2}\n",
        "unknown-type",
        4,
        5,
        "maxpol",
        ("'maxpol'", "did you mean 'maxpool'?"),
    ),
    Case(
        "unknown-bare-type",
        HEAD + "  - relux\n",
        "unknown-type",
        3,
        5,
        "relux",
        ("did you mean 'relu'?",),
    ),
    Case(
        "unknown-type-nested-in-block",
        """\
input: {channels: 3, size: 32}
blocks:
  unit:
    params: {width: 8}
    layers:
      - residual:
          main:
            - conv: {filters: $width, kernel: 3, padding: 1}
            - conv1: {filters: $width, kernel: 3, padding: 1}
layers:
  - conv: {filters: 8, kernel: 1}
  - unit: {name: layer1.0}
""",
        "unknown-type",
        9,
        15,
        "layer1.0/residual1/main/conv1",
        ("'conv1'", "did you mean 'conv'?"),
    ),
    # --- an unknown key, with the closest valid key
    Case(
        "unknown-key-filter",
        HEAD + "  - conv: {filter: 8, kernel: 3}\n",
        "unknown-key",
        3,
        5,
        "conv1",
        ("'filter'", "did you mean 'filters'?"),
    ),
    Case(
        "unknown-key-lists-valid-keys",
        HEAD + "  - conv: {filters: 8, kernel: 3, zzz: 1}\n",
        "unknown-key",
        3,
        5,
        "conv1",
        ("'zzz'", "filters", "kernel", "stride"),
    ),
    Case(
        "unknown-key-of-composite",
        HEAD + "  - parallel: {branch: [[relu]]}\n",
        "unknown-key",
        3,
        5,
        "parallel1",
        ("did you mean 'branches'?",),
    ),
    Case(
        "unknown-key-of-input",
        "input: {channels: 3, sizes: 32}\nlayers: [relu]\n",
        "unknown-key",
        1,
        22,
        "",
        ("'sizes'", "did you mean 'size'?"),
    ),
    # --- a missing required key
    Case(
        "conv-without-kernel",
        HEAD + "  - conv: {filters: 8}\n",
        "missing-key",
        3,
        5,
        "conv1",
        ("'kernel'",),
    ),
    Case(
        "bare-conv",
        HEAD + "  - conv\n",
        "missing-key",
        3,
        5,
        "conv1",
        ("'filters'",),
    ),
    Case(
        "conv-in-flow-list",
        "input: {channels: 3, size: 32}\nlayers: [relu, conv]\n",
        "missing-key",
        2,
        16,
        "conv1",
        ("'filters'",),
    ),
    Case(
        "spec-without-layers",
        "input: {channels: 3, size: 32}\n",
        "missing-key",
        1,
        1,
        "",
        ("'layers'",),
    ),
    # --- a wrong value type (booleans are not numbers)
    Case(
        "filters-true",
        HEAD + "  - conv: {filters: true, kernel: 3}\n",
        "type",
        3,
        5,
        "conv1",
        ("filters", "boolean true"),
    ),
    Case(
        "kernel-as-quoted-number",
        HEAD + "  - conv: {filters: 8, kernel: '3'}\n",
        "type",
        3,
        5,
        "conv1",
        ("kernel", "string '3'"),
    ),
    Case(
        "kernel-as-word",
        HEAD + "  - conv: {filters: 8, kernel: three}\n",
        "type",
        3,
        5,
        "conv1",
        ("kernel", "string 'three'"),
    ),
    Case(
        "float-stride",
        HEAD + "  - conv: {filters: 8, kernel: 3, stride: 1.5}\n",
        "type",
        3,
        5,
        "conv1",
        ("stride", "float 1.5"),
    ),
    Case(
        "integral-float-stride",
        HEAD + "  - conv: {filters: 8, kernel: 3, stride: 2.0}\n",
        "type",
        3,
        5,
        "conv1",
        ("stride", "float 2.0"),
    ),
    Case(
        "boolean-in-kernel-list",
        HEAD + "  - conv: {filters: 8, kernel: [3, false]}\n",
        "type",
        3,
        5,
        "conv1",
        ("kernel", "boolean false"),
    ),
    Case(
        "dropout-rate-true",
        HEAD + "  - dropout: {rate: true}\n",
        "type",
        3,
        5,
        "dropout1",
        ("rate", "boolean true"),
    ),
    Case(
        "repeat-true",
        HEAD + "  - relu: {repeat: true}\n",
        "type",
        3,
        5,
        "relu1",
        ("repeat", "boolean true"),
    ),
    Case(
        "activation-with-parameters",
        HEAD + "  - conv: {filters: 4, kernel: 3, activation: bn}\n",
        "value",
        3,
        5,
        "conv1",
        ("activation", "'bn'"),
    ),
    # --- a count < 1 where a count belongs
    Case(
        "filters-zero",
        HEAD + "  - conv: {filters: 0, kernel: 3}\n",
        "value",
        3,
        5,
        "conv1",
        ("filters", "positive integer", "got 0"),
    ),
    Case(
        "negative-kernel",
        HEAD + "  - conv: {filters: 8, kernel: -3}\n",
        "value",
        3,
        5,
        "conv1",
        ("kernel", "got -3"),
    ),
    Case(
        "shuffle-groups-zero",
        HEAD + "  - shuffle: {groups: 0}\n",
        "value",
        3,
        5,
        "shuffle1",
        ("groups", "got 0"),
    ),
    Case(
        "repeat-zero",
        HEAD + "  - conv: {filters: 8, kernel: 3, repeat: 0}\n",
        "value",
        3,
        5,
        "conv1",
        ("repeat", "got 0"),
    ),
    Case(
        "repeat-negative",
        HEAD + "  - relu: {repeat: -2}\n",
        "value",
        3,
        5,
        "relu1",
        ("repeat", "got -2"),
    ),
    Case(
        "input-size-zero",
        "input: {channels: 3, size: 0}\nlayers: [relu]\n",
        "value",
        1,
        28,
        "",
        ("input size", "got 0"),
    ),
    # --- a spatial layer after flatten
    Case(
        "conv-after-flatten",
        HEAD + "  - flatten\n  - conv: {filters: 8, kernel: 1}\n",
        "spatial",
        4,
        5,
        "conv1",
        ("spatial input", "[3072]"),
    ),
    Case(
        "pool-after-fc",
        HEAD + "  - fc: {units: 10}\n  - maxpool: {kernel: 2}\n",
        "spatial",
        4,
        5,
        "maxpool1",
        ("spatial input", "[10]"),
    ),
    # --- duplicate mapping keys
    Case(
        "duplicate-key-in-layer-args",
        HEAD + "  - conv: {filters: 8, kernel: 3, filters: 4}\n",
        "duplicate-key",
        3,
        35,
        "conv1",
        ("'filters'", "first at line 3"),
    ),
    Case(
        "duplicate-top-level-key",
        "input: {channels: 3, size: 32}\nlayers:\n  - relu\nlayers:\n  - relu\n",
        "duplicate-key",
        4,
        1,
        "",
        ("'layers'", "first at line 2"),
    ),
    # --- duplicate row names among siblings
    Case(
        "duplicate-explicit-names",
        HEAD + "  - conv: {filters: 8, kernel: 3, name: a}\n  - relu: {name: a}\n",
        "duplicate-name",
        4,
        5,
        "a",
        ("'a'", "twice"),
    ),
    Case(
        "explicit-name-clashes-with-automatic",
        HEAD + "  - conv: {filters: 8, kernel: 3, name: conv2}\n  - conv: {filters: 8, kernel: 3}\n",
        "duplicate-name",
        4,
        5,
        "conv2",
        ("'conv2'",),
    ),
    Case(
        "duplicate-names-in-sequence",
        HEAD
        + """\
  - sequence:
      layers:
        - relu: {name: x}
        - relu: {name: x}
""",
        "duplicate-name",
        6,
        11,
        "sequence1/x",
    ),
    Case(
        "duplicate-names-in-block",
        in_block("relu: {name: a}\n      - sigmoid: {name: a}"),
        "duplicate-name",
        7,
        9,
        "layer1.0/a",
        ("'a'", "block 'unit'"),
    ),
    Case(
        "automatic-block-use-name-taken",
        """\
input: {channels: 3, size: 32}
blocks:
  unit:
    layers: [relu]
layers:
  - unit
  - unit
  - unit: {name: unit1}
""",
        "duplicate-name",
        8,
        5,
        "unit1",
    ),
    # --- the format version and top-level keys
    Case(
        "format-version-2",
        "convcalc: 2\n" + HEAD + "  - relu\n",
        "format-version",
        1,
        11,
        "",
        ("version 2", "format 1"),
    ),
    Case(
        "format-version-as-string",
        "convcalc: '1'\n" + HEAD + "  - relu\n",
        "format-version",
        1,
        11,
        "",
        ("'1'", "format 1"),
    ),
    Case(
        "format-version-true",
        "convcalc: true\n" + HEAD + "  - relu\n",
        "format-version",
        1,
        11,
        "",
        ("version true",),
    ),
    Case(
        "unknown-top-level-key",
        HEAD + "  - relu\nlayer: []\n",
        "unknown-key",
        4,
        1,
        "",
        ("'layer'", "did you mean 'layers'?"),
    ),
    Case(
        "unknown-top-level-key-first",
        "nmae: x\n" + HEAD + "  - relu\n",
        "unknown-key",
        1,
        1,
        "",
        ("'nmae'", "did you mean 'name'?"),
    ),
    # --- deconv: numeric padding only; output_padding < max(stride, dilation)
    Case(
        "deconv-padding-same",
        HEAD + "  - deconv: {filters: 8, kernel: 3, stride: 2, padding: same}\n",
        "value",
        3,
        5,
        "deconv1",
        ("padding", "numeric", "'same'"),
    ),
    Case(
        "convtranspose-padding-same",
        HEAD + "  - convtranspose: {filters: 8, kernel: 3, padding: same}\n",
        "value",
        3,
        5,
        "deconv1",
        ("numeric",),
    ),
    Case(
        "deconv-output-padding-equals-stride",
        HEAD + "  - deconv: {filters: 8, kernel: 3, stride: 2, output_padding: 2}\n",
        "value",
        3,
        5,
        "deconv1",
        ("output_padding 2", "(2)"),
    ),
    Case(
        "deconv-output-padding-equals-dilation",
        HEAD + "  - deconv: {filters: 8, kernel: 3, stride: 2, dilation: 3, output_padding: 3}\n",
        "value",
        3,
        5,
        "deconv1",
        ("output_padding 3", "(3)"),
    ),
    # --- blocks
    Case(
        "block-missing-required-param",
        BLOCK_UNIT + "  - unit: {k: 3}\n",
        "missing-key",
        9,
        5,
        "unit1",
        ("block 'unit'", "'width'"),
    ),
    Case(
        "block-unknown-param-near-miss",
        BLOCK_UNIT + "  - unit: {width: 8, wdith: 3}\n",
        "unknown-key",
        9,
        5,
        "unit1",
        ("'wdith'", "did you mean 'width'?"),
    ),
    Case(
        "block-unknown-param-lists-params",
        BLOCK_UNIT + "  - unit: {width: 8, zz: 3}\n",
        "unknown-key",
        9,
        5,
        "unit1",
        ("'zz'", "width, k"),
    ),
    Case(
        "block-named-like-builtin",
        "input: {channels: 3, size: 32}\nblocks:\n  conv:\n    layers: [relu]\nlayers:\n  - relu\n",
        "block-name",
        3,
        3,
        "",
        ("'conv'", "built-in"),
    ),
    Case(
        "block-named-like-alias",
        "input: {channels: 3, size: 32}\nblocks:\n  linear:\n    layers: [relu]\nlayers:\n  - relu\n",
        "block-name",
        3,
        3,
        "",
        ("'linear'", "built-in"),
    ),
    Case(
        "block-named-like-composite",
        "input: {channels: 3, size: 32}\nblocks:\n  residual:\n    layers: [relu]\nlayers:\n  - relu\n",
        "block-name",
        3,
        3,
        "",
        ("'residual'", "built-in"),
    ),
    Case(
        "block-param-named-repeat",
        "input: {channels: 3, size: 32}\nblocks:\n  unit:\n    params: {repeat: 2}\n    layers: [relu]\n"
        "layers:\n  - relu\n",
        "block-param",
        4,
        14,
        "",
        ("block 'unit'", "'repeat'", "reserved"),
    ),
    Case(
        "block-param-named-if",
        "input: {channels: 3, size: 32}\nblocks:\n  unit:\n    params: {width: 8, if: true}\n    layers: [relu]\n"
        "layers:\n  - relu\n",
        "block-param",
        4,
        24,
        "",
        ("'if'", "reserved"),
    ),
    Case(
        "block-uses-itself",
        "input: {channels: 3, size: 32}\nblocks:\n  unit:\n    layers:\n      - relu\n      - unit\n"
        "layers:\n  - relu\n",
        "block-cycle",
        6,
        9,
        "unit",
        ("unit → unit",),
    ),
    Case(
        "blocks-use-each-other",
        """\
input: {channels: 3, size: 32}
blocks:
  a:
    layers:
      - relu
      - b: {}
  b:
    layers:
      - sequence:
          layers:
            - a
layers:
  - a
""",
        "block-cycle",
        11,
        15,
        "b",
        ("a → b → a",),
    ),
    Case(
        "unused-blocks-use-each-other",
        "input: {channels: 3, size: 32}\nblocks:\n  a:\n    layers: [b]\n  b:\n    layers: [a]\nlayers:\n  - relu\n",
        "block-cycle",
        6,
        14,
        "b",
        ("a → b → a",),
    ),
    Case(
        "unknown-param-reference",
        in_block("conv: {filters: $widht, kernel: 3}"),
        "block-param",
        6,
        9,
        "layer1.0/conv1",
        ("$widht", "width", "block 'unit'"),
    ),
    Case(
        "param-reference-outside-blocks",
        HEAD + "  - conv: {filters: $width, kernel: 3}\n",
        "block-param",
        3,
        5,
        "conv1",
        ("$width", "only inside blocks"),
    ),
    Case(
        "unknown-param-as-entry",
        in_block("$act"),
        "block-param",
        6,
        9,
        "layer1.0",
        ("$act",),
    ),
    Case(
        "expression-syntax",
        in_block('conv: {filters: "${width * }", kernel: 3}'),
        "expression",
        6,
        9,
        "layer1.0/conv1",
        ("'width * '",),
    ),
    Case(
        "expression-unknown-name",
        in_block('conv: {filters: "${widht * 2}", kernel: 3}'),
        "expression",
        6,
        9,
        "layer1.0/conv1",
        ("'widht'", "width"),
    ),
    Case(
        "expression-division-by-zero",
        in_block('conv: {filters: "${width // 0}", kernel: 3}'),
        "expression",
        6,
        9,
        "layer1.0/conv1",
        ("division by zero",),
    ),
    Case(
        "expression-negative-result",
        in_block('conv: {filters: "${8 - width * 2}", kernel: 3}'),
        "value",
        6,
        9,
        "layer1.0/conv1",
        ("filters", "got -8"),
    ),
    Case(
        "expression-of-non-integer-param",
        in_block('conv: {filters: "${width * 2}", kernel: 3}', "{width: wide}"),
        "expression",
        6,
        9,
        "layer1.0/conv1",
        ("'width'", "not an integer"),
    ),
    # --- entries that are not one-key mappings
    Case(
        "args-not-indented-under-type",
        HEAD + "  - conv: {filters: 8}\n    kernel: 3\n",
        "entry",
        3,
        5,
        "",
        ("conv, kernel", "indented"),
    ),
]


def _params(aspect: str) -> list:
    params = []
    for case in CASES:
        reason = {
            "place": case.wrong_place,
            "words": case.wrong_row or case.wrong_message,
            "library": case.wrong_place or case.wrong_row,
        }[aspect]
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params("place"))
def test_error_is_one_located_line(case: Case, tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, case.text)
    assert line.startswith(f"{path}:{case.line}:{case.column}: error[{case.code}]: "), line


@pytest.mark.parametrize("case", _params("words"))
def test_error_names_the_row_and_says_why(case: Case, tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, case.text)
    message = line.split(f"error[{case.code}]: ", 1)[-1]
    if case.row:
        assert message.startswith(f"{case.row}: "), line
    for piece in case.says:
        assert piece in message, (piece, line)


@pytest.mark.parametrize("case", _params("library"))
def test_library_raises_spec_error(case: Case) -> None:
    with pytest.raises(convcalc.SpecError) as caught:
        analyze_yaml(case.text)
    diagnostic = caught.value.diagnostic
    assert diagnostic.severity == "error"
    assert diagnostic.code == case.code
    assert diagnostic.file == "test.yaml"
    assert (diagnostic.position.line, diagnostic.position.column) == (case.line, case.column)
    assert diagnostic.row == case.row
    assert isinstance(caught.value, convcalc.ConvcalcError)


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_unknown_type_without_near_miss_has_no_suggestion(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, HEAD + "  - wibble\n")
    assert line == f"{path}:3:5: error[unknown-type]: wibble: unknown layer type 'wibble'"


def test_block_cycle_is_found_without_expanding(tmp_path: Path) -> None:
    """A cycle is refused statically, even behind a repeat that would expand to millions of rows."""
    text = """\
input: {channels: 3, size: 32}
blocks:
  a:
    layers:
      - b: {repeat: 1000000}
  b:
    layers:
      - relu: {repeat: 1000000}
      - a
layers:
  - a: {repeat: 1000000}
"""
    started = time.perf_counter()
    path, line = cli_error(tmp_path, text)
    assert time.perf_counter() - started < 5
    assert line.startswith(f"{path}:5:9: error[block-cycle]: a: ") or line.startswith(
        f"{path}:9:9: error[block-cycle]: b: "
    ), line


def test_block_recursing_through_a_param_default_points_at_the_entry(tmp_path: Path) -> None:
    text = """\
input: {channels: 3, size: 32}
blocks:
  unit:
    params: {inner: unit}
    layers:
      - $inner
layers:
  - unit
"""
    path, line = cli_error(tmp_path, text)
    assert line.startswith(f"{path}:6:9: error[too-deep]: unit1/unit1/"), line


def test_block_recursing_through_a_param_default_is_an_error(tmp_path: Path) -> None:
    text = """\
input: {channels: 3, size: 32}
blocks:
  unit:
    params: {inner: unit}
    layers:
      - $inner
layers:
  - unit
"""
    path, line = cli_error(tmp_path, text)
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: error\[too-deep\]: unit1/unit1/", line), line


# ----- block expressions are parsed, never evaluated ------------------------------------

EXPRESSION_SPEC = """\
input: {{channels: 3, size: 32}}
blocks:
  unit:
    params: {{width: 8, c: 64, a: 4}}
    layers:
      - conv: {{filters: {value}, kernel: 1}}
layers:
  - unit: {{name: u}}
"""

HOSTILE = [
    "${__import__('os')}",
    "${__import__('os').system('touch SENTINEL')}",
    "${open('SENTINEL', 'w')}",
    "${().__class__}",
    "${().__class__.__base__.__subclasses__()}",
    "${width.__class__}",
    "${width ** 1000}",
    "${9**9**9**9}",
    "${lambda: 1}",
    "${(lambda: 1)()}",
    "${[1, 2]}",
    "${{1: 2}}",
    "${width if 1 else 2}",
    "${width / 2}",
    "${1.5}",
    "${0x10}",
    "${1_000}",
    "${True}",
    "${'a' * 3}",
    "${width; 1}",
    "${width == 8}",
    "${width << 2}",
    "${getattr(width, 'real')}",
    "${eval('1')}",
    "${exec('1')}",
    "${globals()}",
    "${max()}",
    "${min(1,)}",
    "${max}",
    "${}",
    "${ }",
    "${width}}",
    "${1" + "0" * 100 + "}",
    "${" + "(" * 200 + "1" + ")" * 200 + "}",
    "${" + "+".join(["width"] * 2000) + "}",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_expression_is_a_plain_error(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    value = value.replace("SENTINEL", str(tmp_path / "SENTINEL"))
    path, line = cli_error(tmp_path, EXPRESSION_SPEC.format(value=json.dumps(value)))
    assert line.startswith(f"{path}:6:9: error[expression]: u/conv1: "), line
    assert not (tmp_path / "SENTINEL").exists()
    assert list(tmp_path.iterdir()) == [path]


def test_call_with_string_argument_says_calls_are_not_allowed(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, EXPRESSION_SPEC.format(value=json.dumps("${open('x')}")))
    assert "open() is not allowed" in line, line


def test_call_without_string_argument_says_calls_are_not_allowed(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, EXPRESSION_SPEC.format(value=json.dumps("${open(width)}")))
    assert "open() is not allowed" in line and "min() and max()" in line, line


def test_empty_expression_message_is_not_stuttering(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, EXPRESSION_SPEC.format(value=json.dumps("${}")))
    assert "expression in expression" not in line, line


@pytest.mark.parametrize(
    ("value", "filters"),
    [
        ("${width * 4}", 32),
        ("${max(1, c // 16)}", 4),
        ("${max(1, c // 128)}", 1),
        ("${(a + 1) % 3}", 2),
        ("${min(width, c) - -2}", 10),
        ("${ width*width }", 64),
        ("${-(-c // 3)}", 22),
        ("${max(1, (c + 7) // 8 * 8 - 16)}", 48),
        ("${width\n}", 8),
    ],
)
def test_legit_expressions_work(value: str, filters: int, tmp_path: Path) -> None:
    text = EXPRESSION_SPEC.format(value=json.dumps(value))
    assert analyze_yaml(text).row("u/conv1").output_shape == (filters, 32, 32)
    result = invoke(str(write_spec(tmp_path, text)))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


_EVAL_CALL = re.compile(r"(?<![\w.])(eval|exec|compile|__import__)\s*\(")


def test_package_never_calls_eval() -> None:
    for source in sorted((ROOT / "convcalc").rglob("*.py")):
        for number, text in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
            assert not _EVAL_CALL.search(text), f"{source.name}:{number}: {text.strip()}"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ", max_size=40))
def test_any_expression_text_is_a_value_or_a_spec_error(body: str) -> None:
    text = EXPRESSION_SPEC.format(value=json.dumps("${" + body + "}"))
    try:
        analyze_yaml(text)
    except convcalc.SpecError as error:
        assert error.diagnostic.code in {"expression", "value", "type", "kernel-size", "groups"}, error


# ----- YAML safety -----------------------------------------------------------------------

TAGGED = [
    # (spec with TAG, line, column)
    (HEAD + "  - TAG\n", 3, 5),
    (HEAD + "  - conv: {filters: TAG, kernel: 3}\n", 3, 21),
    ("name: TAG\n" + HEAD + "  - relu\n", 1, 7),
    ("input: {channels: 3, size: 32}\nlayers: [relu]\ndescription:\n  deep: [{x: [TAG]}]\n", 4, 15),
    ("TAG\n", 1, 1),
]
RUNS_ECHO = '!!python/object/apply:os.system ["echo hi > SENTINEL"]'


@pytest.mark.parametrize(("template", "line", "column"), TAGGED)
def test_python_tag_is_refused_and_nothing_runs(
    template: str, line: int, column: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = template.replace("TAG", RUNS_ECHO.replace("SENTINEL", str(tmp_path / "SENTINEL")))
    path, error = cli_error(tmp_path, text)
    assert error == (
        f"{path}:{line}:{column}: error[yaml-tag]: "
        "YAML tag !!python/object/apply:os.system is not allowed in a spec (only plain values)"
    )
    assert not (tmp_path / "SENTINEL").exists()
    assert "hi" not in error
    with pytest.raises(convcalc.SpecError) as caught:
        analyze_yaml(text)
    assert caught.value.code == "yaml-tag"
    assert not (tmp_path / "SENTINEL").exists()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ('!!python/object/new:os.system {args: ["echo hi"]}', "!!python/object/new:os.system"),
        ("!!python/object:builtins.object {}", "!!python/object:builtins.object"),
        ("!!python/tuple [1, 2]", "!!python/tuple"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!!timestamp 2001-12-14", "!!timestamp"),
        ("!custom x", "!custom"),
    ],
)
def test_every_non_plain_tag_is_refused(value: str, shown: str, tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, HEAD + f"  - relu: {{name: {value}}}\n")
    assert line.startswith(f"{path}:3:18: error[yaml-tag]: YAML tag {shown} "), line


def test_tagged_scalar_key_is_refused(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, HEAD + "  - relu: {!!python/name:os.system x: 1}\n")
    assert line.startswith(f"{path}:3:12: error[yaml-tag]: YAML tag !!python/name:os.system "), line


def test_python_tag_on_complex_key_is_a_tag_error(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, HEAD + f"  ? {RUNS_ECHO}\n  : 1\n")
    assert line.startswith(f"{path}:3:5: error[yaml-tag]: "), line


def test_python_tag_on_complex_key_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tag = RUNS_ECHO.replace("SENTINEL", str(tmp_path / "SENTINEL"))
    path, line = cli_error(tmp_path, HEAD + f"  ? {tag}\n  : 1\n")
    assert line.startswith(f"{path}:3:5: error["), line
    assert not (tmp_path / "SENTINEL").exists()


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "  - relu\n bad: indent\n",
        HEAD + "\t- relu\n",
        HEAD + "  - conv: {filters: 8, kernel: 3\n  - relu\n",
        HEAD + "  - conv: [filters: 8, kernel: 3}\n",
        "input: {channels: 3, size: 32\nlayers: [relu]\n",
        HEAD + "  - relu\n  - 'unterminated\n",
        HEAD + "  - relu: {name: @x}\n",
        "input: {channels: 3, size: 32}\nlayers: *nope\n",
    ],
    ids=[
        "bad-indent",
        "tab",
        "unclosed-flow-map",
        "mismatched-bracket",
        "unclosed-input",
        "unterminated-quote",
        "reserved-indicator",
        "undefined-alias",
    ],
)
def test_yaml_syntax_error_reports_the_yaml_position(text: str, tmp_path: Path) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.compose(text, Loader=yaml.SafeLoader)
    mark = caught.value.problem_mark or caught.value.context_mark
    path, line = cli_error(tmp_path, text)
    # Only the position is compared: libyaml (used when present) words its messages differently.
    assert line.startswith(f"{path}:{mark.line + 1}:{mark.column + 1}: error[yaml]: YAML syntax: "), line


def _laughs(levels: int) -> str:
    lines = ['lol0: &l0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\ninput: {channels: 3, size: 32}\nlayers: [relu]\n"


def test_billion_laughs_fails_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    path, line = cli_error(tmp_path, _laughs(9))
    assert time.perf_counter() - started < 3
    # reported at the alias that takes the expansion past the bound
    assert line.startswith(f"{path}:6:27: error[alias-bomb]: "), line
    assert "aliases" in line


def test_alias_bomb_in_the_layers_fails_fast(tmp_path: Path) -> None:
    rows = "[" + ", ".join(["relu"] * 10) + "]"
    text = "input: {channels: 3, size: 32}\ndescription:\n  - &l0 " + rows + "\n"
    for i in range(1, 7):
        text += f"  - &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n"
    text += "layers:\n  - sequence: {layers: *l6}\n"
    started = time.perf_counter()
    path, line = cli_error(tmp_path, text)
    assert time.perf_counter() - started < 3
    assert "error[alias-bomb]" in line, line


def test_modest_aliases_and_merge_keys_still_work() -> None:
    report = analyze_yaml(
        """\
        input: {channels: 3, size: 32}
        layers:
          - conv: &c {filters: 8, kernel: 3, padding: 1}
          - conv: *c
          - conv: {<<: *c, filters: 16}
        """
    )
    assert report.output_shape == (16, 32, 32)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("input: {channels: 3, size: 32}\nlayers: &x\n  - relu\n  - sequence: {layers: *x}\n", 2, 9),
        ("input: &i {channels: 3, size: 32, again: *i}\nlayers: [relu]\n", 1, 8),
    ],
    ids=["layers-contain-themselves", "input-contains-itself"],
)
def test_self_referencing_alias(text: str, line: int, column: int, tmp_path: Path) -> None:
    path, error = cli_error(tmp_path, text)
    assert error == f"{path}:{line}:{column}: error[yaml]: a YAML alias refers to a node that contains it"


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path, line = cli_error(tmp_path, "input: {channels: 3, size: 32}\nlayers: " + "[" * 20000 + "]" * 20000 + "\n")
    # the root mapping is level 1, so the 200th bracket (column 8 + 200) is one level too many
    assert line == f"{path}:2:208: error[too-deep]: YAML nesting is deeper than 200 levels", line


# ----- files that are not specs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n  \n\t\n", "the file is empty"),
        (b"# only a comment\n", "the file holds no YAML document"),
    ],
    ids=["empty", "blank", "comment"],
)
def test_empty_file(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    assert error_line(invoke(str(path))) == f"{path}:1:1: error[empty]: {message}"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"input: {channels: 3, size: 32}\x00\x01\x02\nlayers: [relu]\n")
    assert error_line(invoke(str(path))) == f"{path}:1:1: error[encoding]: is a binary file, not a YAML spec"


def test_image_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert error_line(invoke(str(path))).startswith(f"{path}:1:1: error[encoding]: ")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"input: {channels: 3, size: 32}\nname: caf\xe9\nlayers: [relu]\n")
    assert error_line(invoke(str(path))) == f"{path}:2:10: error[encoding]: is not UTF-8 text (byte 0xe9)"


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\xef\xbb\xbfinput: {channels: 3, size: 32}\nlayers: [relu]\n")
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr


def test_directory_cannot_run(tmp_path: Path) -> None:
    line = error_line(invoke(str(tmp_path)), exit_code=2)
    assert line == f"{tmp_path}:0:0: error[file]: is a directory, not a spec file"


def test_missing_file_cannot_run(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    line = error_line(invoke(str(path)), exit_code=2)
    assert line == f"{path}:0:0: error[file]: no such file"


def test_missing_file_in_library() -> None:
    with pytest.raises(convcalc.SpecError) as caught:
        convcalc.analyze(Path("/nonexistent/spec.yaml"))
    assert caught.value.code == "file"


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [("- relu\n", 1, "the list ['relu']"), ("hello\n", 1, "the string 'hello'")],
    ids=["list", "word"],
)
def test_spec_that_is_not_a_mapping(text: str, line: int, shown: str, tmp_path: Path) -> None:
    path, error = cli_error(tmp_path, text)
    assert error == f"{path}:{line}:1: error[type]: a spec is a mapping with a 'layers' list, got {shown}"


def test_a_null_document_is_empty(tmp_path: Path) -> None:
    path, error = cli_error(tmp_path, "---\n...\n")
    assert error == f"{path}:1:1: error[empty]: the file holds no YAML document"


# ----- warnings are not errors -----------------------------------------------------------


def test_uneven_stride_is_a_warning(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path, "input: {channels: 3, size: 7}\nlayers:\n  - conv: {filters: 8, kernel: 3, stride: 3}\n"
    )
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.output
    assert "error[" not in result.output
    warnings = [line for line in result.stdout.splitlines() if "warning[" in line]
    assert len(warnings) == 1, result.stdout
    assert warnings[0].startswith(f"{path}:3:5: warning[uneven-stride]: conv1: (7 − 3)/3 + 1 = 2.33 "), warnings[0]
    assert "floored to 2" in warnings[0]
    assert "padding 1" in warnings[0]


def test_uneven_stride_warning_in_the_library() -> None:
    report = analyze_yaml("input: {channels: 3, size: 7}\nlayers:\n  - conv: {filters: 8, kernel: 3, stride: 3}\n")
    assert report.row("conv1").output_shape == (8, 2, 2)
    (warning,) = report.warnings
    assert (warning.severity, warning.code, warning.row) == ("warning", "uneven-stride", "conv1")
    assert (warning.position.line, warning.position.column) == (3, 5)
