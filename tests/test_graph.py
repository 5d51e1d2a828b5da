"""Graphs (issue 10): references, merges, several inputs and outputs, crop, scale, share, memory.

Counts here are worked by hand in each test (conv parameters f·(c·k²) + f,
MACs f·H·W·c·k²) or by a brute-force evaluation written below, independent
of convcalc's code: it keeps its own shapes and its own liveness count.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.engine import analyze_graph
from convcalc.graph import Graph

H = "input: [3, 32, 32]\nlayers:\n"


def analyze(text: str) -> convcalc.Report:
    return convcalc.analyze(text, file="spec.yaml")


# ----- a graph built by hand, without YAML ---------------------------------------------


def test_a_graph_built_by_hand_is_evaluated() -> None:
    graph = Graph(name="by hand")
    image = graph.add_input("image", (3, 8, 8))
    a = graph.add_layer("conv", {"filters": 4, "kernel": 3, "padding": 1}, [image], "a")
    b = graph.add_layer("conv", {"filters": 2, "kernel": 1}, [image], "b")
    both = graph.add_layer("concat", {}, [a, b], "both")
    graph.add_output(both)
    report = analyze_graph(graph)
    assert [row.output_shape for row in report.rows] == [(4, 8, 8), (2, 8, 8), (6, 8, 8)]
    assert report.totals.params == (4 * 27 + 4) + (2 * 3 + 2)
    assert report.totals.macs == 4 * 64 * 27 + 2 * 64 * 3
    # image (768 B) lives until b has run; a (1024 B) and b (512 B) until both (1536 B) is made.
    assert report.totals.peak_activation_bytes == 1024 + 512 + 1536
    assert report.outputs == (("both", (6, 8, 8)),)
    assert report.rows[2].input_paths == ["a", "b"]
    assert analyze_graph(graph).to_dict() == report.to_dict()  # evaluating leaves the graph as it was


# ----- references ----------------------------------------------------------------------


def test_parallel_and_the_same_graph_written_with_from_agree() -> None:
    tree = analyze(
        H + "  - conv: {filters: 8, kernel: 1}\n  - parallel:\n      branches:\n"
        "        - [{conv: {filters: 4, kernel: 3, padding: 1}}]\n        - [{conv: {filters: 4, kernel: 1}}]\n"
        "        - []\n  - relu\n"
    )
    graph = analyze(
        H + "  - conv: {filters: 8, kernel: 1, name: stem}\n  - conv: {filters: 4, kernel: 3, padding: 1}\n"
        "  - conv: {filters: 4, kernel: 1, from: stem}\n  - concat: {from: [conv2, conv3, stem]}\n  - relu\n"
    )
    assert tree.output_shape == graph.output_shape == (16, 32, 32)
    assert tree.totals.params == graph.totals.params
    assert tree.totals.macs == graph.totals.macs
    # the parallel's merged tensor is no row of its own; the concat is one, with its 64 KiB
    assert graph.totals.activation_bytes - tree.totals.activation_bytes == 16 * 32 * 32 * 4
    assert tree.totals.peak_activation_bytes == graph.totals.peak_activation_bytes
    assert tree.receptive_field == graph.receptive_field


def test_repeated_copies_paths_and_minus_one() -> None:
    report = analyze(
        "input: [3, 16, 16]\nblocks:\n  unit:\n    layers:\n      - conv: {filters: 4, kernel: 1, name: squeeze}\n"
        "      - relu\nlayers:\n  - conv: {filters: 4, kernel: 3, padding: 1, name: c, repeat: 3}\n"
        "  - unit: {name: u}\n  - add: {from: [-1, c.1]}\n  - add: {from: [u/squeeze, c]}\n"
    )
    adds = [row for row in report.rows if row.type == "add"]
    assert [row.input_paths for row in adds] == [["u", "c.1"], ["u/squeeze", "c.3"]]
    assert all(row.linked for row in adds)


def test_two_inputs_and_several_outputs() -> None:
    report = analyze(
        "inputs: {image: [3, 16, 16], flow: {channels: 2, size: 16}}\noutputs: [rgb, both]\nlayers:\n"
        "  - conv: {filters: 4, kernel: 1, name: rgb}\n  - conv: {filters: 4, kernel: 1, from: flow, name: motion}\n"
        "  - concat: {from: [rgb, motion], name: both}\n"
    )
    assert report.inputs == (("image", (3, 16, 16)), ("flow", (2, 16, 16)))
    assert report.outputs == (("rgb", (4, 16, 16)), ("both", (8, 16, 16)))
    assert report.output_shape == (4, 16, 16)
    data = report.to_dict()
    assert data["outputs"] == [
        {"name": "rgb", "shape": [4, 16, 16], "path": "rgb"},
        {"name": "both", "shape": [8, 16, 16], "path": "both"},
    ]
    assert data["input"] == [3, 16, 16]
    assert data["rows"][1]["inputs"] == ["flow"]


def test_a_block_with_two_inputs_and_a_named_output() -> None:
    report = analyze(
        "input: [4, 8, 8]\nblocks:\n  gate:\n    inputs: [x, g]\n    output: gated\n    layers:\n"
        "      - conv: {filters: 4, kernel: 1, from: g, name: attention}\n      - sigmoid\n"
        "      - mul: {from: [x, -1], name: gated}\n      - relu: {from: x}\n"
        "layers:\n  - conv: {filters: 4, kernel: 3, padding: 1, name: skip}\n  - conv: {filters: 4, kernel: 1}\n"
        "  - gate: {from: [skip, -1]}\n"
    )
    gate = report.row("gate1")
    assert gate.output_shape == (4, 8, 8)
    assert gate.input_paths == ["skip", "conv2"]
    assert gate.params == 4 * 4 + 4
    assert [(w.row, w.code) for w in report.warnings] == [("gate1/relu1", "unused")]


def test_an_output_is_located_at_its_row() -> None:
    """An output named by a repeated entry is its last copy; one whose tensor a block use gives, the use."""
    report = analyze(
        "input: [3, 8, 8]\nblocks:\n  two:\n    layers: [{conv: {filters: 4, kernel: 1}}, relu]\n"
        "outputs: [c, t, t/conv1]\nlayers:\n  - conv: {filters: 3, kernel: 1, name: c, repeat: 2}\n  - two: {name: t}\n"
    )
    assert report.output_paths == ("c.2", "t", "t/conv1")
    assert report.to_dict()["outputs"][0] == {"name": "c", "shape": [3, 8, 8], "path": "c.2"}


UNET = """\
input: {channels: 1, size: 572}
blocks:
  double:
    params: {width: null}
    layers:
      - conv: {filters: $width, kernel: 3, activation: relu}
      - conv: {filters: $width, kernel: 3, activation: relu}
  up:
    inputs: [x, skip]
    params: {width: null}
    layers:
      - deconv: {filters: $width, kernel: 2, stride: 2, from: x, name: upconv}
      - crop: {like: upconv, from: skip, name: cropped}
      - concat: {from: [cropped, upconv]}
      - double: {width: $width}
layers:
  - double: {width: 64, name: enc1}
  - maxpool: {kernel: 2}
  - double: {width: 128, name: enc2}
  - maxpool: {kernel: 2}
  - double: {width: 256, name: enc3}
  - maxpool: {kernel: 2}
  - double: {width: 512, name: enc4}
  - maxpool: {kernel: 2}
  - double: {width: 1024, name: bottom}
  - up: {width: 512, from: [-1, enc4]}
  - up: {width: 256, from: [-1, enc3]}
  - up: {width: 128, from: [-1, enc2]}
  - up: {width: 64, from: [-1, enc1]}
  - conv: {filters: 2, kernel: 1}
"""


def test_the_contracts_unet_example() -> None:
    """The contract's U-Net example. Ronneberger et al. 2015, Fig. 1: 572×572×1 in, 388×388×2 out;
    31,030,658 parameters and 150,428,424,448 MACs are issue 10's acceptance figures (PyTorch,
    a hand-built module of the paper's network)."""
    report = analyze(UNET)
    assert report.output_shape == (2, 388, 388)
    assert report.totals.params == 31_030_658
    assert report.totals.macs == 150_428_424_448
    # the paper's crops: enc4's 64×64 is cut to the 56×56 of the first up-convolution, enc1's 568 to 392
    assert report.row("up1/cropped").output_shape == (512, 56, 56)
    assert report.row("up4/cropped").output_shape == (64, 392, 392)
    assert report.row("up1").input_paths == ["bottom", "enc4"]
    assert not report.warnings


# ----- new layer types ------------------------------------------------------------------


def test_crop_aligns_and_shifts_the_receptive_field() -> None:
    text = H + "  - conv: {filters: 4, kernel: 3, stride: 2}\n  - crop: {size: [10, 12], align: ALIGN}\n"
    # after the conv: 15×15, jump 2, first centre at 1; cropping from offset o moves it to 1 + 2·o
    starts = {}
    for align in ("start", "center", "end"):
        row = analyze(text.replace("ALIGN", align)).rows[1]
        assert row.output_shape == (4, 10, 12)
        assert row.receptive_field.size == (3, 3) and row.receptive_field.jump == (2, 2)
        starts[align] = row.receptive_field.start
    assert starts == {"start": (1, 1), "center": (1 + 2 * 2, 1 + 2 * 1), "end": (1 + 2 * 5, 1 + 2 * 3)}


def test_crop_keeps_the_last_time_step() -> None:
    report = analyze("input: {channels: 8, size: [50]}\nlayers:\n  - crop: {size: 1, align: end}\n")
    assert report.output_shape == (8, 1)
    assert report.receptive_field.start == (49,)


def test_upsample_like_and_scale() -> None:
    report = analyze(
        H + "  - conv: {filters: 6, kernel: 3, stride: 2, name: low}\n  - upsample: {like: input}\n  - scale\n"
    )
    assert report.row("upsample1").output_shape == (6, 32, 32)
    scale = report.row("scale1")
    assert (scale.params, scale.macs, scale.output_shape) == (6, 0, (6, 32, 32))


def test_receptive_field_through_a_merge_is_the_widest_per_dimension() -> None:
    report = analyze(
        H + "  - conv: {filters: 4, kernel: [5, 1], padding: [2, 0], name: tall}\n"
        "  - conv: {filters: 4, kernel: [1, 7], padding: [0, 3], from: input, name: wide}\n"
        "  - add: {from: [tall, wide]}\n"
    )
    assert report.row("add1").receptive_field.size == (5, 7)


# ----- shared weights --------------------------------------------------------------------


def test_a_siamese_pair_counts_its_shared_encoder_once() -> None:
    """The issue's figure: a 3→16 3×3 conv has 16·27 + 16 = 448 parameters; two towers are not 896."""
    report = analyze(
        "inputs: {left: [3, 32, 32], right: [3, 32, 32]}\nblocks:\n  tower:\n    layers:\n"
        "      - conv: {filters: 16, kernel: 3, padding: 1}\n      - relu\n      - gap\n"
        "layers:\n  - tower: {name: a}\n  - tower: {name: b, from: right, share: a}\n"
        "  - concat: {from: [a, b]}\n"
    )
    assert report.totals.params == 448
    assert report.row("a").params == 448 and report.row("b").params == 0
    assert report.row("a").macs == report.row("b").macs == 16 * 32 * 32 * 27
    assert report.totals.macs == 2 * 16 * 32 * 32 * 27


def test_a_layer_applied_twice() -> None:
    report = analyze(
        H + "  - conv: {filters: 3, kernel: 3, padding: 1, name: c}\n"
        "  - conv: {filters: 3, kernel: 3, padding: 1, share: c}\n"
    )
    assert report.totals.params == 3 * 27 + 3
    assert report.totals.macs == 2 * 3 * 32 * 32 * 27


# ----- limits -----------------------------------------------------------------------------


def test_empty_sequences_under_repeat_count_against_the_row_cap() -> None:
    with pytest.raises(convcalc.SpecError) as caught:
        convcalc.analyze(H + "  - sequence: {layers: [], repeat: 1000}\n", file="spec.yaml", max_rows=100)
    assert str(caught.value) == (
        "spec.yaml:3:5: error[too-many-rows]: sequence1: repeat 1,000 is more than the cap of 100 rows "
        "(raise it with --max-rows)"
    )
    with pytest.raises(convcalc.SpecError) as caught:
        convcalc.analyze(H + "  - sequence: {layers: [], repeat: 60}\n" * 2, file="spec.yaml", max_rows=100)
    assert str(caught.value) == (
        "spec.yaml:4:5: error[too-many-rows]: sequence2.1: repeat 60 would make about 120 rows, "
        "more than the cap of 100 (raise it with --max-rows)"
    )


# ----- random DAGs against a brute-force evaluation -----------------------------------


@st.composite
def dags(draw: Any) -> tuple[str, dict[str, Any]]:
    """A random DAG of convolutions and merges over an 8×8 input, as YAML, and what to expect."""
    size = 8
    channels = [draw(st.integers(1, 4))]
    entries: list[dict[str, Any]] = []
    reads: list[list[int]] = []
    params: list[int] = [0]
    macs: list[int] = [0]
    count = draw(st.integers(1, 14))
    for i in range(1, count + 1):
        same = {}
        for j, c in enumerate(channels):
            same.setdefault(c, []).append(j)
        pairs = [js for js in same.values() if len(js) >= 2]
        kind = draw(st.sampled_from(["conv", "conv", "concat", "add", "mul"]))
        if kind in ("add", "mul") and not pairs:
            kind = "concat" if i > 1 else "conv"
        if kind == "concat" and i < 2:
            kind = "conv"
        if kind == "conv":
            source = draw(st.integers(0, i - 1))
            filters, kernel = draw(st.integers(1, 6)), draw(st.sampled_from([1, 3]))
            args = {"filters": filters, "kernel": kernel, "padding": kernel // 2, "from": f"n{source}", "name": f"n{i}"}
            entries.append({"conv": args})
            reads.append([source])
            cin = channels[source]
            channels.append(filters)
            params.append(filters * cin * kernel * kernel + filters)
            macs.append(filters * size * size * cin * kernel * kernel)
            continue
        if kind == "concat":
            sources = draw(st.lists(st.integers(0, i - 1), min_size=2, max_size=3))
            channels.append(sum(channels[j] for j in sources))
        else:
            group = draw(st.sampled_from(pairs))
            sources = draw(st.lists(st.sampled_from(group), min_size=2, max_size=3))
            channels.append(channels[sources[0]])
        entries.append({kind: {"from": [f"n{j}" for j in sources], "name": f"n{i}"}})
        reads.append(sources)
        params.append(0)
        macs.append(0)
    outputs = sorted({count, *draw(st.lists(st.integers(1, count), max_size=2))})
    spec = {"inputs": {"n0": [channels[0], size, size]}, "outputs": [f"n{i}" for i in outputs], "layers": entries}
    # liveness, counted independently: tensor j lives from its making to its last reader (outputs: the end)
    last = list(range(count + 1))
    for i, sources in enumerate(reads, start=1):
        for j in sources:
            last[j] = max(last[j], i)
    for i in outputs:
        last[i] = count + 1
    nbytes = [c * size * size * 4 for c in channels]
    peak = max(sum(nbytes[j] for j in range(i + 1) if last[j] >= i) for i in range(count + 1))
    expected = {
        "shapes": [(c, size, size) for c in channels[1:]],
        "params": sum(params),
        "macs": sum(macs),
        "peak": peak,
        "unused": sorted(f"n{j}" for j in range(1, count + 1) if last[j] == j),
    }
    return yaml.safe_dump(spec, sort_keys=False), expected


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dags_equal_a_brute_force_evaluation(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    report = convcalc.analyze(text, file="dag.yaml")
    assert [row.output_shape for row in report.rows] == expected["shapes"]
    assert report.totals.params == expected["params"]
    assert report.totals.macs == expected["macs"]
    assert report.totals.peak_activation_bytes == expected["peak"]
    assert sorted(w.row for w in report.warnings if w.code == "unused") == expected["unused"]


# ----- every output format, the schema and the drawing ----------------------------------

PYRAMID = (
    "input: [3, 64, 64]\noutputs: [p1, p2]\nlayers:\n"
    "  - conv: {filters: 8, kernel: 3, stride: 2, padding: 1, name: c1}\n"
    "  - conv: {filters: 16, kernel: 3, stride: 2, padding: 1, name: c2}\n"
    "  - conv: {filters: 8, kernel: 1, name: p2}\n  - upsample: {like: c1}\n"
    "  - add: {from: [-1, c1], name: p1}\n"
)


def test_every_format_shows_the_outputs_and_what_a_row_reads(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from convcalc.cli import main

    path = tmp_path / "pyramid.yaml"
    path.write_text(PYRAMID, encoding="utf-8")

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, [*args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    table = run("analyze", str(path))
    assert "p1 ← upsample1, c1" in table
    assert "Output p1     32×32×8" in table and "Output p2     16×16×8" in table
    rows = run("analyze", str(path), "--format", "csv").splitlines()
    assert rows[0].endswith(",warnings,inputs,output,frozen")  # frozen: issue 13
    assert rows[3].endswith(",c2,p2,") and rows[5].endswith(",upsample1;c1,p1,")
    markdown = run("analyze", str(path), "--format", "markdown")
    assert "| p1 ← upsample1, c1 | add |" in markdown and "**Outputs:** p1 32×32×8, p2 16×16×8." in markdown
    html = run("analyze", str(path), "--format", "html")
    assert "Output p2" in html and "p1 ← upsample1, c1" in html
    out = tmp_path / "pyramid.svg"
    run("draw", str(path), "-o", str(out))
    assert out.read_text(encoding="utf-8").startswith("<svg")


def test_the_schema_takes_the_graph_keys() -> None:
    import jsonschema

    from convcalc.schema import spec_schema

    validator = jsonschema.Draft202012Validator(spec_schema())
    siamese = yaml.safe_load(
        "inputs: {left: [3, 32, 32], right: {channels: 3, size: 32}}\noutputs: [a, joined]\nblocks:\n"
        "  tower:\n    inputs: [x]\n    output: c\n    layers:\n      - conv: {filters: 4, kernel: 3, name: c}\n"
        "      - crop: {like: x, align: end}\n      - upsample: {like: input}\n      - scale\n"
        "layers:\n  - tower: {name: a}\n  - tower: {name: b, from: right, share: a}\n"
        "  - concat: {from: [a, -1], name: joined}\n"
    )
    assert list(validator.iter_errors(siamese)) == []
    both = {"input": [3, 8, 8], "inputs": {"a": [3, 8, 8]}, "layers": []}
    assert list(validator.iter_errors(both)) != []
    assert list(validator.iter_errors(yaml.safe_load(PYRAMID))) == []


NAMES = st.sampled_from(["a", "b", "c", "input", "a/b", "b/conv1", "conv1", "seq", "seq/a", "x.1", "", "-1"])


@st.composite
def tangled(draw: Any) -> str:
    """Entries reading names drawn at random: visible, later, unknown, ancestors, paths, malformed."""
    entries = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv", "add", "concat", "crop", "upsample", "sequence", "relu"]))
        args: dict[str, Any] = {"name": draw(st.sampled_from(["a", "b", "c", "seq", "x", f"r{i}"]))}
        if draw(st.booleans()):
            refs = draw(st.lists(st.one_of(NAMES, st.just(-1), st.integers(-3, 3)), min_size=1, max_size=3))
            args["from"] = refs if len(refs) > 1 or draw(st.booleans()) else refs[0]
        if draw(st.booleans()):
            args["share"] = draw(NAMES)
        if draw(st.booleans()):
            args["repeat"] = draw(st.integers(1, 3))
        if kind == "conv":
            args.update(filters=draw(st.integers(1, 4)), kernel=1)
        elif kind in ("crop", "upsample"):
            args["like"] = draw(NAMES)
        elif kind == "sequence":
            args["layers"] = [{"relu": {"from": draw(NAMES)}}, {"conv": {"filters": 3, "kernel": 1, "name": "a"}}]
        entries.append({kind: args})
    spec = {"input": [3, 8, 8], "layers": entries}
    if draw(st.booleans()):
        spec["outputs"] = draw(st.lists(NAMES, min_size=1, max_size=2))
    return yaml.safe_dump(spec, sort_keys=False)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(tangled())
def test_any_tangle_of_references_is_a_report_or_one_located_error(text: str) -> None:
    try:
        convcalc.analyze(text, file="tangle.yaml")
    except convcalc.SpecError as exc:
        assert exc.diagnostic.file == "tangle.yaml" and exc.diagnostic.position.line > 0, str(exc)
        assert "\n" not in str(exc)
