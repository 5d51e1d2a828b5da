"""References and the errors of graphs (issue 10): each a test with its exact file:line:col.

A reference error names the reference as written, says why it can't be
read (unknown, later, an entry around it, ambiguous) and, for an unknown
name, the nearest visible name and what is visible there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import convcalc
from convcalc.cli import main

H = "input: [3, 32, 32]\nlayers:\n"
PAIR = "input: [3, 32, 32]\nblocks:\n  pair:\n    inputs: [x, y]\n    layers:\n      - add: {from: [x, y]}\nlayers:\n"

CASES = {
    "unknown": (
        H + "  - conv: {filters: 8, kernel: 3, name: stem}\n  - conv: {filters: 8, kernel: 3, from: stme}\n",
        "spec.yaml:4:5: error[reference]: conv2: from: no row 'stme' is visible here (did you mean 'stem'?); "
        "visible: stem, input",
    ),
    "later": (
        H + "  - conv: {filters: 8, kernel: 3, from: head}\n  - conv: {filters: 8, kernel: 3, name: head}\n",
        "spec.yaml:3:5: error[reference]: conv1: from: 'head' is a later row: only earlier rows can be read",
    ),
    "later, named by its type and count": (
        H + "  - relu: {from: conv1}\n  - conv: {filters: 8, kernel: 3}\n",
        "spec.yaml:3:5: error[reference]: relu1: from: 'conv1' is a later row: only earlier rows can be read",
    ),
    "ancestor": (
        H + "  - residual:\n      name: res\n      main:\n"
        "        - conv: {filters: 3, kernel: 3, padding: 1, from: res}\n",
        "spec.yaml:6:11: error[reference]: res/main/conv1: from: 'res' is an entry around this one: "
        "only earlier rows can be read",
    ),
    "itself": (
        H + "  - conv: {filters: 8, kernel: 3, name: a, from: a}\n",
        "spec.yaml:3:5: error[reference]: a: from: 'a' is this entry: only earlier rows can be read",
    ),
    "ambiguous": (
        H + "  - conv: {filters: 8, kernel: 1, name: a, repeat: 2}\n  - conv: {filters: 8, kernel: 1, name: a}\n"
        "  - relu: {from: a}\n",
        "spec.yaml:5:5: error[reference]: relu1: from: 'a' is ambiguous: two rows of one list are called 'a' "
        "(a repeated entry's last copy and a row; name one differently)",
    ),
    "a number other than -1": (
        H + "  - relu: {from: -2}\n",
        "spec.yaml:3:5: error[reference]: relu1: from: -2 is not a row: -1 (the entry before) is the only number "
        "allowed; name the row instead",
    ),
    "a path into a composite": (
        H + "  - residual: {name: r, main: [{conv: {filters: 3, kernel: 1}}]}\n  - relu: {from: r/main/conv2}\n",
        "spec.yaml:4:5: error[reference]: relu1: from: 'r/main/conv2': 'r/main' has no row 'conv2' "
        "(did you mean 'conv1'?)",
    ),
    "a block body sees only its rows and inputs": (
        "input: [3, 32, 32]\nblocks:\n  head:\n    layers:\n      - conv: {filters: 8, kernel: 1, name: inner}\n"
        "      - add: {from: [inner, stem]}\nlayers:\n  - conv: {filters: 8, kernel: 1, name: stem}\n  - head\n",
        "spec.yaml:6:9: error[reference]: head1/add1: from: no row 'stem' is visible here; visible: inner, input "
        "(in block 'head' used at line 9)",
    ),
    "like": (
        H + "  - upsample: {like: big}\n",
        "spec.yaml:3:5: error[reference]: upsample1: like: no row 'big' is visible here; visible: input",
    ),
    "outputs": (
        "input: [3, 32, 32]\noutputs: [a, b]\nlayers:\n  - conv: {filters: 8, kernel: 3, name: a}\n",
        "spec.yaml:2:14: error[reference]: outputs: no row 'b' is visible here; visible: a, input",
    ),
    "a block's output": (
        "input: [3, 32, 32]\nblocks:\n  b:\n    output: nope\n    layers: [relu]\nlayers: [b]\n",
        "spec.yaml:4:13: error[reference]: b1: output: no row 'nope' is visible here; visible: relu1, input "
        "(in block 'b' used at line 6)",
    ),
    "a merge given one tensor": (
        H + "  - conv: {filters: 8, kernel: 3, name: a}\n  - concat: {from: a}\n",
        "spec.yaml:4:5: error[from]: concat1: concat reads 2 or more tensors, from gives 1",
    ),
    "a merge without from": (
        H + "  - add\n",
        "spec.yaml:3:5: error[from]: add1: add reads 2 or more tensors: name them with from: [...]",
    ),
    "a layer given two tensors": (
        H + "  - conv: {filters: 8, kernel: 3, name: a}\n  - conv: {filters: 8, kernel: 3, from: [a, input]}\n",
        "spec.yaml:4:5: error[from]: conv2: conv reads 1 tensor, from gives 2",
    ),
    "a block given three tensors for two inputs": (
        PAIR + "  - conv: {filters: 3, kernel: 1, name: a}\n  - pair: {from: [a, input, a]}\n",
        "spec.yaml:9:5: error[from]: pair1: block 'pair' reads 2 tensors, from gives 3",
    ),
    "a block of two inputs without from": (
        PAIR + "  - pair\n",
        "spec.yaml:8:5: error[from]: pair1: block 'pair' reads 2 tensors: name them with from: [...]",
    ),
    "share across different shapes": (
        H + "  - conv: {filters: 8, kernel: 3, name: a}\n  - conv: {filters: 8, kernel: 3, share: a}\n",
        "spec.yaml:4:5: error[share]: conv2: cannot share the parameters of a: conv of 3 input channels "
        "(bias: True, filters: 8, groups: 1, kernel: 3; 224 parameters) there, conv of 8 input channels "
        "(bias: True, filters: 8, groups: 1, kernel: 3; 584 parameters) here",
    ),
    "share across types": (
        H + "  - conv: {filters: 8, kernel: 3, name: a}\n  - bn: {share: a}\n",
        "spec.yaml:4:5: error[share]: bn1: share: 'a' is a conv, not a bn: only a layer of the same type can "
        "share its parameters",
    ),
    "a crop larger than its input": (
        H + "  - crop: {size: [16, 40]}\n",
        "spec.yaml:3:5: error[crop]: crop1: cannot crop 32×32 to the larger 16×40",
    ),
    "a crop like a larger tensor": (
        H + "  - conv: {filters: 8, kernel: 3, name: small}\n  - crop: {like: input, from: small}\n",
        "spec.yaml:4:5: error[crop]: crop1: cannot crop 30×30 to the larger 32×32",
    ),
    "input and inputs together": (
        "input: [3, 32, 32]\ninputs: {image: [3, 32, 32]}\nlayers: [relu]\n",
        "spec.yaml:2:1: error[inputs]: 'input' and 'inputs' together: write one input as 'input', "
        "several as 'inputs'",
    ),
}


@pytest.mark.parametrize("text, expected", CASES.values(), ids=list(CASES))
def test_graph_errors_are_located_and_exact(text: str, expected: str) -> None:
    with pytest.raises(convcalc.SpecError) as caught:
        convcalc.analyze(text, file="spec.yaml")
    assert str(caught.value) == expected


@pytest.mark.parametrize("case", ["unknown", "ancestor", "a merge given one tensor", "input and inputs together"])
def test_graph_errors_through_the_cli(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [expected.replace("spec.yaml", str(path), 1)]


def test_an_unread_row_warns_unused() -> None:
    report = convcalc.analyze(
        H + "  - conv: {filters: 8, kernel: 3, name: side}\n  - conv: {filters: 8, kernel: 3, from: input}\n",
        file="spec.yaml",
    )
    assert [w.format() for w in report.warnings] == [
        "spec.yaml:3:5: warning[unused]: side: nothing reads the output of side and it is not an output"
    ]


def test_an_unread_block_use_warns_at_the_use_not_its_last_row() -> None:
    text = (
        "input: [3, 32, 32]\nblocks:\n  two:\n    layers: [{conv: {filters: 4, kernel: 1}}, relu]\n"
        "layers:\n  - two: {name: dead}\n  - conv: {filters: 8, kernel: 3, from: input}\n"
    )
    report = convcalc.analyze(text, file="spec.yaml")
    assert [(w.row, w.code) for w in report.warnings] == [("dead", "unused")]


def test_an_output_and_a_row_read_through_like_are_not_unused() -> None:
    text = (
        "input: [3, 32, 32]\noutputs: [low, high]\nlayers:\n"
        "  - conv: {filters: 8, kernel: 3, stride: 2, padding: 1, name: low}\n"
        "  - conv: {filters: 8, kernel: 1, from: input, name: wide}\n"
        "  - upsample: {like: wide, from: low, name: high}\n"
    )
    report = convcalc.analyze(text, file="spec.yaml")
    assert [w for w in report.warnings if w.code == "unused"] == []
    assert report.outputs == (("low", (8, 16, 16)), ("high", (8, 32, 32)))


def test_a_tree_spec_never_warns_unused(specs_dir: Path) -> None:
    for path in sorted(specs_dir.glob("*.yaml")):
        assert not [w for w in convcalc.analyze(path).warnings if w.code == "unused"], path.name


def test_an_input_nothing_reads_warns_unused_at_its_key() -> None:
    report = convcalc.analyze(
        "inputs: {image: [3, 8, 8], depth: [1, 8, 8]}\nlayers:\n  - conv: {filters: 4, kernel: 1}\n", file="spec.yaml"
    )
    assert [w.format() for w in report.warnings] == [
        "spec.yaml:1:28: warning[unused]: depth: nothing reads the input 'depth'"
    ]
