"""Teaching commands: `conv` worked through, `--target`, `rf`, `analyze --explain`, `compare`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import SPECS

from convcalc.cli import main
from convcalc.teach import solve_target


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_conv_uneven_stride_is_worked_through() -> None:
    """cs231n lecture 5: 7×7 input, 3×3 filter, stride 3 "doesn't fit"."""
    code, out = run("conv", "7", "--kernel", "3", "--stride", "3")
    assert code == 0
    assert "(7 − 3)/3 + 1 = 2.33" in out
    assert "floored to 2" in out
    assert "1 input row/column (position 6) is never read" in out
    assert "padding 1: (7 + 2·1 − 3)/3 + 1 = 3" in out
    assert "stride 2: (7 − 3)/2 + 1 = 3" in out
    assert "input 6:" in out and "input 9:" in out
    assert out.rstrip().endswith("Output: 2")


def test_conv_exact_stride() -> None:
    code, out = run("conv", "7", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert code == 0
    assert "(7 + 2·1 − 3)/2 + 1 = 4" in out
    assert "fits exactly" in out


def test_conv_per_dimension_and_same() -> None:
    code, out = run("conv", "7x8", "--kernel", "3", "--stride", "2", "--padding", "same")
    assert code == 0
    assert "Output: 4×4" in out  # TensorFlow 'SAME': ⌈7/2⌉ = 4, ⌈8/2⌉ = 4


def test_conv_transposed_as_direct_conv() -> None:
    """torch: ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1) maps 3×3 to 6×6."""
    code, out = run("conv", "3x3", "-k", "3", "-s", "2", "-p", "1", "--transposed", "--output-padding", "1")
    assert code == 0
    assert "(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6" in out
    assert "insert S − 1 = 1 zeros" in out
    assert "Output: 6×6" in out


def test_conv_with_no_output_exits_1() -> None:
    code, out = run("conv", "2", "--kernel", "5")
    assert code == 1
    assert "larger than the padded input" in out


@pytest.mark.parametrize(
    "args", [["0", "-k", "3"], ["7", "-k", "0"], ["7", "-k", "3", "-s", "x"], ["7x7x7x7", "-k", "3"]]
)
def test_conv_bad_usage_exits_2(args: list[str]) -> None:
    assert run("conv", *args)[0] == 2


def test_target_solutions_are_exact_first() -> None:
    code, out = run("conv", "32", "--kernel", "5", "--target", "16")
    assert code == 0
    assert "stride 2, padding [1, 2]: (32 + 1 + 2 − 5)/2 + 1 = 16 (exact)" in out
    assert "stride 2, padding 2: (32 + 2·2 − 5)/2 + 1 = 16.5 (floored to 16)" in out


def test_target_keeps_size_with_half_padding() -> None:
    assert any(s.stride == 1 and s.pad == (1, 1) and s.exact for s in solve_target(28, 3, 28))


def test_target_impossible_says_so() -> None:
    code, out = run("conv", "32", "--kernel", "5", "--target", "100")
    assert code == 0
    assert out.startswith("No padding")


def test_rf_of_three_3x3_is_7() -> None:
    """VGG (Simonyan & Zisserman 2014, sec. 2.3) / cs231n: three stacked 3×3 convs see 7×7."""
    code, out = run("rf", "3x3", "3x3", "3x3")
    assert code == 0
    assert "5 + (3 − 1)·1 = 7" in out
    assert out.rstrip().endswith("Receptive field: 7×7")


def test_rf_with_strides() -> None:
    code, out = run("rf", "11x11/4", "3x3/2", "5x5", "3x3/2", "3x3", "3x3", "3x3", "3x3/2")
    assert out.rstrip().endswith("Receptive field: 195×195")  # AlexNet POOL3


def test_rf_of_a_spec() -> None:
    code, out = run("rf", str(SPECS / "alexnet.yaml"))
    assert code == 0
    pool3 = next(line for line in out.splitlines() if line.startswith("pool3"))
    assert pool3.split()[1:] == ["195", "32"]


def test_analyze_explain_adds_formulas() -> None:
    code, out = run("analyze", "alexnet", "--explain")
    assert code == 0
    assert "(227 − 11)/4 + 1 = 55" in out
    assert "(55 − 3)/2 + 1 = 27" in out


def test_compare_inception_table() -> None:
    code, out = run("compare", str(SPECS / "inception_naive.yaml"), str(SPECS / "inception_bottleneck.yaml"))
    assert code == 0
    assert "854,196,224" in out and "271,351,808" in out
    assert "3.15× fewer" in out


def test_compare_inception_json() -> None:
    code, out = run(
        "compare", str(SPECS / "inception_naive.yaml"), str(SPECS / "inception_bottleneck.yaml"), "--format", "json"
    )
    data = json.loads(out)
    macs = next(m for m in data["metrics"] if m["key"] == "macs")
    assert macs["values"] == [854_196_224, 271_351_808]
    assert macs["ratios"] == ["3.15× fewer MACs"]
    assert [r["path"] for r in data["rows"]][:2] == ["inception", "inception/b1"]


def test_compare_inception_markdown() -> None:
    code, out = run(
        "compare", str(SPECS / "inception_naive.yaml"), str(SPECS / "inception_bottleneck.yaml"), "--format", "markdown"
    )
    assert "| MACs | 854M (854,196,224) | 271M (271,351,808) | 3.15× fewer |" in out


def test_compare_csv_and_rows_missing_on_one_side() -> None:
    code, out = run("compare", "lenet5", "alexnet", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    names = ["LeNet-5", "AlexNet (one tower, as in the cs231n slides)"]  # each spec's `name`
    assert rows[0] == ["metric", *names, f"{names[1]} vs {names[0]}"]
    assert any(r and r[0] == "conv3" for r in rows)  # only in alexnet
    conv3 = next(r for r in rows if r and r[0] == "conv3")
    assert conv3[1] == "conv 3×3 pad 1"
    assert conv3[2:6] == ["—", "—", "—", "—"]
    assert conv3[6:8] == ["conv3", "13×13×384"]


def test_compare_needs_two_specs() -> None:
    assert run("compare", "alexnet")[0] == 2
