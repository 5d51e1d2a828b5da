"""The report model: rows, composite sums, totals, peak memory, trainable, dtype."""

from __future__ import annotations

import pytest
from conftest import SPECS, analyze_yaml

import convcalc
from convcalc.report import Report

BUNDLED = sorted(SPECS.glob("*.yaml"))


def children_of(report: Report, index: int) -> list[convcalc.Row]:
    parent = report.rows[index]
    found = []
    for row in report.rows[index + 1 :]:
        if row.depth <= parent.depth:
            break
        if row.depth == parent.depth + 1:
            found.append(row)
    return found


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_composite_rows_sum_their_children(path: object) -> None:
    report = convcalc.analyze(path)  # type: ignore[arg-type]
    for index, row in enumerate(report.rows):
        if row.leaf:
            continue
        children = children_of(report, index)
        for field in ("params", "trainable_params", "macs", "buffers", "activation_bytes"):
            assert getattr(row, field) == sum(getattr(c, field) for c in children), (row.path_text, field)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_totals_count_each_layer_once(path: object) -> None:
    report = convcalc.analyze(path)  # type: ignore[arg-type]
    top = [row for row in report.rows if row.depth == 0]
    assert report.totals.params == sum(r.params for r in top)
    assert report.totals.macs == sum(r.macs for r in top)
    assert report.totals.flops == 2 * report.totals.macs
    assert report.totals.param_bytes == 4 * report.totals.params


def test_rows_are_named_by_type_and_count_and_nested_by_path() -> None:
    report = analyze_yaml(
        """
        input: [8, 16, 16]
        blocks:
          unit:
            params: {c: null}
            layers:
              - residual:
                  main:
                    - conv: {filters: $c, kernel: 3, padding: 1}
                    - relu
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
          - conv: {filters: 8, kernel: 3, padding: 1, name: mine}
          - conv: {filters: 8, kernel: 3, padding: 1}
          - unit: {c: 8, name: layer1.0}
          - unit: {c: 8, repeat: 2}
        """
    )
    paths = [row.path_text for row in report.rows]
    assert paths[:3] == ["conv1", "mine", "conv3"]
    assert "layer1.0/residual1/main/conv1" in paths
    assert "layer1.0/residual1/shortcut" in paths
    assert "unit2.1" in paths and "unit2.2/residual1/main/relu1" in paths
    assert report.row("layer1.0/residual1/main/conv1").depth == 3


def test_activation_key_adds_its_own_row() -> None:
    report = analyze_yaml(
        """
        input: [3, 8, 8]
        layers:
          - conv: {filters: 4, kernel: 3, activation: relu}
          - fc: {units: 10, activation: softmax}
        """
    )
    assert [(r.name, r.type) for r in report.rows] == [
        ("conv1", "conv"),
        ("relu1", "relu"),
        ("fc1", "fc"),
        ("softmax1", "softmax"),
    ]


def test_frozen_parameters() -> None:
    report = analyze_yaml(
        """
        input: [3, 8, 8]
        layers:
          - sequence:
              trainable: false
              layers:
                - conv: {filters: 4, kernel: 3, trainable: true}
          - fc: {units: 10}
        """
    )
    conv = report.row("sequence1/conv1")
    assert conv.params == 4 * 3 * 9 + 4 and conv.trainable_params == 0
    assert report.totals.trainable_params == report.row("fc1").params
    assert report.totals.frozen_params == conv.params


def test_if_leaves_an_entry_out() -> None:
    report = analyze_yaml(
        """
        input: [3, 8, 8]
        blocks:
          b:
            params: {extra: false}
            layers:
              - relu
              - bn: {if: $extra}
        layers:
          - b: {extra: true}
          - b
        """
    )
    assert [r.path_text for r in report.rows] == ["b1", "b1/relu1", "b1/bn1", "b2", "b2/relu1"]


def test_peak_memory_of_a_chain_is_two_neighbours() -> None:
    """In a chain each tensor dies once the next layer has read it: the peak is in + out."""
    report = analyze_yaml(
        """
        input: [1, 10, 10]
        layers:
          - conv: {filters: 4, kernel: 1}
          - conv: {filters: 2, kernel: 1}
        """
    )
    assert report.totals.peak_activation_bytes == 4 * (4 * 100 + 2 * 100)
    assert report.totals.activation_bytes == 4 * (4 * 100 + 2 * 100)


def test_peak_memory_holds_the_shortcut_until_the_merge() -> None:
    report = analyze_yaml(
        """
        input: [1, 10, 10]
        dtype: int8
        layers:
          - residual:
              main:
                - conv: {filters: 1, kernel: 1}
                - conv: {filters: 1, kernel: 1}
        """
    )
    # input (kept for the shortcut) + conv1 out + conv2 out, then input + conv2 + the sum
    assert report.totals.peak_activation_bytes == 3 * 100


def test_dtype_sets_bytes() -> None:
    report = analyze_yaml("input: [3, 8, 8]\ndtype: float16\nlayers: [relu]\n")
    assert report.rows[0].activation_bytes == 3 * 64 * 2
    assert report.totals.param_bytes == 0


def test_api_accepts_a_dict_and_text() -> None:
    data = {"input": {"channels": 3, "size": 32}, "layers": [{"conv": {"filters": 10, "kernel": 5, "padding": 2}}]}
    assert convcalc.analyze(data).rows[0].params == 760
    assert (
        convcalc.analyze("input: [3, 32, 32]\nlayers: [{conv: {filters: 10, kernel: 5, padding: 2}}]\n").rows[0].params
        == 760
    )


def test_aliases_share_their_type_s_running_count() -> None:
    report = analyze_yaml(
        """
        input: [3, 8, 8]
        layers:
          - fc: {units: 4}
          - linear: {units: 4}
          - dense: {units: 4}
        """
    )
    assert [r.name for r in report.rows] == ["fc1", "fc2", "fc3"]


def test_one_block_used_with_different_parameters() -> None:
    """Entries are read once per parameter values: each use must still see its own values."""
    report = analyze_yaml(
        """
        input: [4, 8, 8]
        blocks:
          unit:
            params: {c: null}
            layers:
              - conv: {filters: $c, kernel: 1}
              - conv: {filters: 4, kernel: 1}
        layers:
          - unit: {c: 2}
          - unit: {c: 3, repeat: 2}
          - unit: {c: 2}
        """
    )
    firsts = [r for r in report.rows if r.path[-1] == "conv1"]
    assert [r.output_shape[0] for r in firsts] == [2, 3, 3, 2]
    assert [r.params for r in firsts] == [4 * 2 + 2, 4 * 3 + 3, 4 * 3 + 3, 4 * 2 + 2]


def test_json_of_a_dict_with_lone_surrogates_reads_back_the_same_names() -> None:
    """Names from Python (undecodable file names) may hold lone surrogates: the JSON is writable
    UTF-8 and parses back to the very same strings."""
    import json

    from convcalc.render.json_report import render_json

    report = convcalc.analyze({"input": [3, 8, 8], "name": "caf\udce9", "layers": [{"relu": {"name": "r\udce9"}}]})
    text = render_json(report)
    text.encode("utf-8")
    data = json.loads(text)
    assert (data["name"], data["rows"][0]["name"]) == ("caf\udce9", "r\udce9")
