"""Training cost (convcalc.training, --batch, --training): worked examples and invariants.

The figures PyTorch measures are in tests/test_training_against_torch.py; here,
small specs worked by hand, the batch rule, budgets, and the CLI's keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import convcalc
import convcalc.units
from convcalc.batch import batched
from convcalc.cli import main
from convcalc.training import training_cost
from tests.conftest import SPECS, analyze_yaml

SMALL = """
name: small
input: [3, 8, 8]
layers:
  - conv: {filters: 4, kernel: 3, padding: 1, bias: false}
  - relu
  - maxpool: {kernel: 2}
  - conv: {filters: 4, kernel: 1}
  - bn
  - relu
  - flatten
  - dropout
  - fc: {units: 10}
"""


def test_small_network_worked_by_hand() -> None:
    report = batched(analyze_yaml(SMALL), 2)
    cost = training_cost(report, "sgd")
    rows = {row.path_text: c for row, c in zip(report.rows, cost.rows)}
    batch, dtype = 2, 4
    # conv1 keeps the network input (its weight gradient) and computes no input gradient.
    assert rows["conv1"].saved_bytes == batch * 3 * 8 * 8 * dtype
    assert rows["conv1"].backward_macs == batch * 4 * 8 * 8 * 3 * 9
    # relu1 keeps its output; maxpool its input (the same tensor) and int64 indices.
    assert rows["relu1"].saved_bytes == batch * 4 * 8 * 8 * dtype
    assert rows["maxpool1"].saved_bytes == batch * 4 * 4 * 4 * 8
    # conv2 keeps maxpool's output; both gradients cost its MACs.
    assert rows["conv2"].saved_bytes == batch * 4 * 4 * 4 * dtype
    assert rows["conv2"].backward_macs == 2 * batch * 4 * 4 * 4 * 4
    # bn: its input (conv2's output) and two float32 statistics per channel, for the whole batch.
    assert rows["bn1"].saved_bytes == batch * 64 * dtype + 2 * 4 * 4
    assert rows["relu2"].saved_bytes == batch * 64 * dtype
    assert rows["flatten1"] == rows["relu2"].__class__(0, 0)
    # dropout: a one-byte mask; fc keeps dropout's output for its weight gradient.
    assert rows["dropout1"].saved_bytes == batch * 64
    assert rows["fc1"].saved_bytes == batch * 64 * dtype
    assert rows["fc1"].backward_macs == 2 * batch * 64 * 10
    assert cost.saved_activation_bytes == sum(c.saved_bytes for c in cost.rows)
    assert cost.backward_macs == sum(c.backward_macs for c in cost.rows)


def test_a_tensor_kept_by_two_layers_counts_once() -> None:
    """ReLU keeps its output, the conv after it its input: one tensor."""
    report = analyze_yaml(
        "input: [2, 4, 4]\nlayers:\n  - conv: {filters: 2, kernel: 1}\n  - relu\n  - conv: {filters: 2, kernel: 1}\n"
    )
    cost = training_cost(report)
    kept = [c.saved_bytes for c in cost.rows]
    assert kept == [2 * 16 * 4, 2 * 16 * 4, 0]


def test_frozen_prefix_keeps_nothing_and_skips_input_gradients() -> None:
    text = """
    input: [3, 8, 8]
    layers:
      - conv: {filters: 4, kernel: 3, trainable: false}
      - bn: {trainable: false}
      - relu
      - conv: {filters: 4, kernel: 3}
      - relu
      - conv: {filters: 4, kernel: 3, trainable: false}
    """
    report = analyze_yaml(text)
    cost = training_cost(report)
    rows = {row.path_text: c for row, c in zip(report.rows, cost.rows)}
    assert rows["conv1"] == rows["bn1"] == rows["relu1"] == rows["conv1"].__class__(0, 0)
    # The first trainable conv: weight gradient only, and it keeps its input.
    assert rows["conv2"].backward_macs == report.row("conv2").macs
    assert rows["conv2"].saved_bytes == 4 * 6 * 6 * 4
    # A frozen conv after a trainable one: input gradient only, input kept all the same.
    assert rows["conv3"].backward_macs == report.row("conv3").macs
    assert rows["conv3"].saved_bytes == 0  # relu2's output, already kept by relu2


def test_everything_frozen_costs_no_backward() -> None:
    frozen = analyze_yaml(
        "input: [3, 8, 8]\nlayers:\n  - sequence:\n      trainable: false\n      layers:\n"
        "        - conv: {filters: 4, kernel: 3}\n        - relu\n        - fc: {units: 3}\n"
    )
    cost = training_cost(frozen)
    assert (cost.backward_macs, cost.saved_activation_bytes, cost.gradient_bytes, cost.optimizer_bytes) == (0, 0, 0, 0)
    assert cost.training_memory_bytes == frozen.totals.param_bytes


def test_frozen_fc_keeps_no_input() -> None:
    """A linear layer needs its input only for its weight gradient."""
    text = "input: [4, 1]\nlayers:\n  - fc: {units: 4}\n  - fc: {units: 2, trainable: false}\n"
    report = analyze_yaml(text)
    cost = training_cost(report)
    assert [c.saved_bytes for c in cost.rows] == [4 * 4, 0]
    assert [c.backward_macs for c in cost.rows] == [16, 8]


def test_mul_merge_keeps_both_factors_and_concat_nothing() -> None:
    """Squeeze-and-excitation: the product keeps the feature map and the channel weights."""
    text = """
    input: [8, 4, 4]
    layers:
      - conv: {filters: 8, kernel: 1}
      - parallel:
          merge: mul
          branches:
            - []
            - [gap, {conv: {filters: 8, kernel: 1}}, sigmoid]
      - parallel:
          branches: [[identity], [identity]]
    """
    report = analyze_yaml(text)
    cost = training_cost(report)
    rows = {row.path_text: c for row, c in zip(report.rows, cost.rows)}
    feature_map, weights = 8 * 16 * 4, 8 * 4
    # sigmoid keeps its output (the weights); the product keeps both: the feature map is new.
    assert rows["parallel1/b2/sigmoid1"].saved_bytes == weights
    assert rows["parallel1"].saved_bytes == rows["parallel1/b2"].saved_bytes + feature_map
    assert rows["parallel2"].saved_bytes == 0


def test_a_report_without_its_graph_is_refused() -> None:
    report = convcalc.analyze(SPECS / "resnet18.yaml")
    report.graph = None
    with pytest.raises(ValueError, match="evaluated from a graph"):
        training_cost(report)


def test_optimizer_state_copies() -> None:
    report = convcalc.analyze(SPECS / "resnet18.yaml")
    trainable_bytes = report.totals.trainable_params * 4
    for optimizer, copies in (("sgd", 0), ("momentum", 1), ("adam", 2), ("adamw", 2)):
        cost = training_cost(report, optimizer)
        assert cost.optimizer_bytes == copies * trainable_bytes
        assert cost.gradient_bytes == trainable_bytes
    with pytest.raises(ValueError, match="unknown optimizer"):
        training_cost(report, "lion")


def test_resnet50_batch_32_adamw_state_is_exact() -> None:
    """torchvision's documented 25,557,032 parameters
    (https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet50.html),
    float32: parameters, gradients and AdamW's two moments."""
    cost = training_cost(batched(convcalc.analyze(SPECS / "resnet50.yaml"), 32), "adamw")
    assert cost.param_bytes == cost.gradient_bytes == 25_557_032 * 4
    assert cost.optimizer_bytes == 2 * 25_557_032 * 4
    assert cost.training_memory_bytes == 4 * 25_557_032 * 4 + cost.saved_activation_bytes
    # The README's figures; PyTorch 2.14.1 measured the same with the saved-tensor hooks of
    # tests/test_training_against_torch.py at batch 32 (that test runs batch 8, to save time).
    assert cost.saved_activation_bytes == 2_749_316_608
    assert cost.training_memory_bytes == 3_158_229_120
    assert cost.backward_macs == 257_931_345_920


# --- the batch ------------------------------------------------------------------


def test_batch_scales_macs_and_activations_not_params() -> None:
    one = convcalc.analyze(SPECS / "resnet18.yaml")
    eight = batched(one, 8)
    assert eight.totals.params == one.totals.params and eight.totals.buffers == one.totals.buffers
    assert eight.totals.macs == 8 * one.totals.macs
    assert eight.totals.activation_bytes == 8 * one.totals.activation_bytes
    assert eight.totals.peak_activation_bytes == 8 * one.totals.peak_activation_bytes
    assert eight.totals.activations == 8 * one.totals.activations
    assert [r.output_shape for r in eight.rows] == [r.output_shape for r in one.rows]
    assert batched(eight, 2).totals.macs == 2 * one.totals.macs
    assert batched(one, 1) is one


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
def test_batch_1_changes_no_figure(fmt: str) -> None:
    runner = CliRunner()
    plain = runner.invoke(main, ["analyze", "resnet18", "--format", fmt])
    one = runner.invoke(main, ["analyze", "resnet18", "--format", fmt, "--batch", "1"])
    assert plain.exit_code == one.exit_code == 0
    assert plain.output == one.output


_LAYER = st.sampled_from(
    [
        "{conv: {filters: 4, kernel: 3, padding: 1}}",
        "{conv: {filters: 4, kernel: 1, groups: depthwise}}",
        "bn",
        "relu",
        "relu6",
        "sigmoid",
        "{maxpool: {kernel: 3, stride: 1, padding: 1}}",
        "{avgpool: {kernel: 3, stride: 1, padding: 1}}",
        "dropout",
        "identity",
        "{groupnorm: {groups: 2}}",
        "{residual: {main: [{conv: {filters: 4, kernel: 1}}, relu]}}",
    ]
)


@settings(deadline=2000, max_examples=60)
@given(
    layers=st.lists(st.tuples(_LAYER, st.booleans()), min_size=1, max_size=8),
    batch=st.integers(1, 5),
)
def test_invariants(layers: list[tuple[str, bool]], batch: int) -> None:
    """Backward MACs scale with the batch; saved bytes too, but for batch norm's per-channel
    statistics; the top-level rows sum to the totals."""
    entries = "\n".join(
        f"  - {item}" if trainable else f"  - {{sequence: {{trainable: false, layers: [{item}]}}}}"
        for item, trainable in layers
    )
    text = f"input: [4, 5, 5]\nlayers:\n  - conv: {{filters: 4, kernel: 1}}\n{entries}\n"
    report = analyze_yaml(text)
    one, many = training_cost(report), training_cost(batched(report, batch))
    assert many.backward_macs == batch * one.backward_macs
    stats = sum(2 * 4 * 4 for row, c in zip(report.rows, one.rows) if row.type == "bn" and c.saved_bytes)
    assert many.saved_activation_bytes - stats == batch * (one.saved_activation_bytes - stats)
    top = [c for row, c in zip(report.rows, one.rows) if row.depth == 0]
    assert sum(c.saved_bytes for c in top) == one.saved_activation_bytes
    assert sum(c.backward_macs for c in top) == one.backward_macs
    # At most every output once, plus the input, indices, masks and statistics.
    assert one.saved_activation_bytes <= 3 * (report.totals.activation_bytes + 4 * 25 * 4) + stats


# --- the command line and budgets -------------------------------------------------


def test_json_training_keys() -> None:
    result = CliRunner().invoke(main, ["analyze", "alexnet", "--format", "json", "--training", "--batch", "4"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["batch"] == 4 and data["optimizer"] == "adamw"
    training_keys = ("backward_macs", "saved_activation_bytes", "gradient_bytes", "optimizer_bytes")
    for key in (*training_keys, "training_memory_bytes"):
        assert isinstance(data["totals"][key], int)
    assert all({"backward_macs", "saved_bytes"} <= set(row) for row in data["rows"])
    totals = data["totals"]
    assert totals["training_memory_bytes"] == (
        totals["param_bytes"] + totals["gradient_bytes"] + totals["optimizer_bytes"] + totals["saved_activation_bytes"]
    )
    plain = json.loads(CliRunner().invoke(main, ["analyze", "alexnet", "--format", "json"]).output)
    assert plain["batch"] == 1 and "optimizer" not in plain and "backward_macs" not in plain["rows"][0]


def test_table_itemises_training_memory() -> None:
    result = CliRunner().invoke(main, ["analyze", "resnet50", "--training", "--batch", "32", "--depth", "0"])
    assert result.exit_code == 0, result.output
    for label in ("Backward MACs", "Parameters", "Gradients", "Optimizer state", "Saved activations"):
        assert label in result.output
    assert "Training memory" in result.output and "batch 32" in result.output
    assert "204,456,256 B" in result.output  # AdamW: 2 × 25,557,032 × 4


def test_training_in_csv_markdown_and_html() -> None:
    report = batched(convcalc.analyze(SPECS / "resnet18.yaml"), 2)
    cost = training_cost(report, "sgd")
    args = ["analyze", "resnet18", "--training", "--batch", "2", "--optimizer", "sgd", "--format"]
    csv_text = CliRunner().invoke(main, [*args, "csv"]).output.splitlines()
    assert csv_text[0].endswith(",backward_macs,saved_bytes")
    fc = next(line for line in csv_text if line.startswith("fc,"))
    assert fc.endswith(f",{cost.rows[-1].backward_macs},{cost.rows[-1].saved_bytes}")
    markdown = CliRunner().invoke(main, [*args, "markdown"]).output
    assert "| Backward MACs | Saved |" in markdown and "batch 2." in markdown
    assert f"training memory {convcalc.units.human_bytes(cost.training_memory_bytes)}" in markdown
    html = CliRunner().invoke(main, [*args, "html"]).output
    assert "<th class=num>Backward MACs</th><th class=num>Saved</th>" in html and "batch 2" in html
    assert f"{cost.training_memory_bytes:,} B the four above" in html


def _spec(tmp_path: Path, budget: str) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text(f"input: [3, 8, 8]\nbudget: {budget}\nlayers:\n  - conv: {{filters: 4, kernel: 3}}\n  - relu\n")
    return path


def test_training_budget_at_the_spec_batch(tmp_path: Path) -> None:
    text = "input: [3, 8, 8]\nlayers:\n  - conv: {filters: 4, kernel: 3}\n  - relu\n"
    report = analyze_yaml(text)
    at_4 = training_cost(batched(report, 4), "sgd").training_memory_bytes
    ok = _spec(tmp_path, f"{{batch: 4, optimizer: sgd, training_memory: {at_4}}}")
    assert CliRunner().invoke(main, ["check", str(ok)]).exit_code == 0
    over = _spec(tmp_path, f"{{batch: 4, optimizer: sgd, training_memory: {at_4 - 1}}}")
    result = CliRunner().invoke(main, ["check", str(over)])
    assert result.exit_code == 1
    assert f"training_memory {at_4:,}" in result.output and "(spec, batch 4)" in result.output


def test_check_max_training_options(tmp_path: Path) -> None:
    path = _spec(tmp_path, "{params: 1M}")
    report = batched(analyze_yaml(path.read_text()), 2)
    backward = training_cost(report).backward_macs
    args = ["check", str(path), "--batch", "2", "--max-backward-macs", str(backward)]
    assert CliRunner().invoke(main, args).exit_code == 0
    result = CliRunner().invoke(main, [*args[:-1], str(backward - 1)])
    assert result.exit_code == 1 and "backward_macs" in result.output and "(command line, batch 2)" in result.output
    memory = training_cost(report, "momentum").training_memory_bytes
    # a byte budget names its unit (issue 13)
    args = ["check", str(path), "--batch", "2", "--optimizer", "momentum", "--max-training-memory", f"{memory}B"]
    assert CliRunner().invoke(main, args).exit_code == 0


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("{batch: 0}", "budget batch must be a positive integer"),
        ("{optimizer: adamm}", "budget optimizer must be one of sgd, momentum, adam, adamw"),
    ],
)
def test_bad_budget_settings(tmp_path: Path, budget: str, message: str) -> None:
    result = CliRunner().invoke(main, ["check", str(_spec(tmp_path, budget))])
    assert result.exit_code == 1 and message in result.output


def test_compare_at_a_batch() -> None:
    result = CliRunner().invoke(main, ["compare", "resnet18", "resnet50", "--batch", "8", "--format", "json"])
    assert result.exit_code == 0, result.output
    one = json.loads(CliRunner().invoke(main, ["compare", "resnet18", "resnet50", "--format", "json"]).output)
    eight = json.loads(result.output)
    for a, b in zip(one["specs"], eight["specs"]):
        assert b["totals"]["macs"] == 8 * a["totals"]["macs"]
        assert b["totals"]["peak_activation_bytes"] == 8 * a["totals"]["peak_activation_bytes"]
        assert b["totals"]["params"] == a["totals"]["params"]
    metrics = {m["key"]: m["values"] for m in eight["metrics"]}
    assert "training_memory_bytes" not in metrics
    args = ["compare", "resnet18", "resnet50", "--batch", "8", "--training", "--format", "json"]
    trained = CliRunner().invoke(main, args)
    values = {m["key"]: m["values"] for m in json.loads(trained.output)["metrics"]}
    reports = [batched(convcalc.analyze(SPECS / f"{s}.yaml"), 8) for s in ("resnet18", "resnet50")]
    assert values["training_memory_bytes"] == [training_cost(r).training_memory_bytes for r in reports]
    assert values["backward_macs"] == [training_cost(r).backward_macs for r in reports]
