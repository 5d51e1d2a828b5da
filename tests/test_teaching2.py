"""Teaching, second round: every formula worked (`--explain` in every format), compare aligned by structure,
drawings at any depth, 1-D drawings and light animations."""

from __future__ import annotations

import csv
import io
import json
import re
from math import prod

import pytest
from click.testing import CliRunner
from conftest import SPECS

import convcalc
from convcalc import shapes
from convcalc.cli import main
from convcalc.explain import explanations
from convcalc.layers.base import CANONICAL


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# --------------------------------------------------------------------------- --explain


def test_alexnet_conv1_worked_in_markdown() -> None:
    """cs231n lecture 5 (AlexNet): 227×227×3, 96 11×11 filters at stride 4 → 55×55×96; 34,944 parameters
    (the slides' 35K); 105,415,200 MACs = 55·55·96 outputs of 11·11·3 multiply-accumulates each."""
    code, out = run("analyze", "alexnet", "--explain", "--format", "markdown")
    assert code == 0
    assert "(227 − 11)/4 + 1 = 55" in out
    assert "(11·11·3 + 1)·96 = 34,944" in out
    assert "55·55·96·11·11·3 = 105,415,200" in out


def test_the_floor_and_the_dimension_are_shown() -> None:
    report = convcalc.analyze({"input": [3, 7, 9], "layers": [{"conv": {"filters": 2, "kernel": 3, "stride": 3}}]})
    lines = report.rows[0].explain
    assert "H: (7 − 3)/3 + 1 = 2.33 → 2" in lines
    assert "W: (9 − 3)/3 + 1 = 3" in lines
    one_d = convcalc.analyze({"input": [3, 7], "layers": [{"conv": {"filters": 10, "kernel": 5}}]})
    assert one_d.rows[0].explain[0] == "L: (7 − 5)/1 + 1 = 3"
    assert one_d.rows[0].explain[1] == "params: (5·3 + 1)·10 = 160"


def test_the_slides_five_by_five_filter() -> None:
    """cs231n lecture 5: 10 filters of 5×5×3 with a bias each have (5·5·3 + 1)·10 = 760 parameters."""
    report = convcalc.analyze({"input": [3, 32, 32], "layers": [{"conv": {"filters": 10, "kernel": 5}}]})
    assert "params: (5·5·3 + 1)·10 = 760" in report.rows[0].explain


def _value(line: str) -> int:
    return int(line.rsplit(": " if " = " not in line else " = ", 1)[1].replace(",", "").split()[0])


def _check_arithmetic(line: str) -> None:
    """A worked count `a·b·c = n`, `(a·b + 1)·u = n` or `a + b = n` evaluates to its own result."""
    if " = " not in line:
        return
    text = line.split(": ", 1)[1].rsplit(" = ", 1)[0].replace(",", "").replace("·", "*").replace("−", "-")
    assert re.fullmatch(r"[0-9*+() -]+", text), line
    assert eval(text) == _value(line), line  # noqa: S307 - digits and operators only, checked above


@pytest.mark.parametrize("name", sorted(p.stem for p in SPECS.glob("*.yaml")))
def test_every_row_of_every_spec_is_explained_and_adds_up(name: str) -> None:
    report = convcalc.analyze(SPECS / f"{name}.yaml")
    for row, lines in zip(report.rows, explanations(report)):
        assert lines, row.path_text
        counted = {line.split(":")[0]: line for line in lines if line.startswith(("params:", "MACs:"))}
        if "params" in counted:
            _check_arithmetic(counted["params"])
            assert _value(counted["params"]) == row.params, row.path_text
        if "MACs" in counted:
            _check_arithmetic(counted["MACs"])
            assert _value(counted["MACs"]) == row.macs, row.path_text
        if not row.params and not row.macs and row.leaf:
            assert any("0" in line for line in lines)


def _one_layer(type_name: str) -> dict:
    args = {
        "conv": {"filters": 4, "kernel": 3},
        "deconv": {"filters": 4, "kernel": 3, "stride": 2},
        "fc": {"units": 5},
        "maxpool": {"kernel": 2},
        "avgpool": {"kernel": 2},
        "adaptiveavgpool": {"output": 3},
        "adaptivemaxpool": {"output": 3},
        "pad": {"padding": 1},
        "upsample": {"scale": 2},
        "slice": {"channels": [0, 3]},
        "chunk": {"index": 1, "chunks": 2},
        "shuffle": {"groups": 2},
        "groupnorm": {"groups": 2},
        "crop": {"size": 5},
        "attention": {"heads": 2},
        "pixelshuffle": {"factor": 2},
        "pixelunshuffle": {"factor": 3},
        "reshape": {"size": [3, 27]},
        **{merge: {"from": ["input", "relu1"]} for merge in ("add", "concat", "mul")},
    }.get(type_name)
    return {type_name: args} if args is not None else type_name


@pytest.mark.parametrize("type_name", sorted(CANONICAL))
def test_every_layer_type_has_worked_lines(type_name: str) -> None:
    sequence = ["tokens"] if type_name in ("token", "reshape") else []
    report = convcalc.analyze({"input": [8, 9, 9], "layers": ["relu", *sequence, _one_layer(type_name)]})
    row = report.rows[-1]
    assert row.explain, type_name
    text = " ".join(row.explain)
    assert "params" in text and "MACs" in text, text


def test_deconv_counts_are_worked() -> None:
    """torch: ConvTranspose2d(8, 4, 3, stride=2) on 9×9 gives 19×19; weight 8·4·3·3 = 288, bias 4."""
    report = convcalc.analyze({"input": [8, 9, 9], "layers": [{"deconv": {"filters": 4, "kernel": 3, "stride": 2}}]})
    lines = report.rows[0].explain
    assert "H, W: (9 − 1)·2 + (3 − 1) + 1 = 19" in lines
    assert "params: 3·3·4·8 + 4 = 292" in lines
    assert "MACs: 9·9·3·3·4·8 = 23,328" in lines


def test_explain_in_json_csv_html_and_table() -> None:
    code, out = run("analyze", "inception_naive", "--explain", "--format", "json")
    rows = json.loads(out)["rows"]
    assert rows[0]["explain"][0] == "C: 128 + 192 + 96 + 256 = 672 (branches concatenated)"
    assert "MACs: 28·28·192·3·3·256 = 346,816,512" in rows[4]["explain"]
    code, plain = run("analyze", "inception_naive", "--format", "json")
    assert "explain" not in json.loads(plain)["rows"][0]
    code, out = run("analyze", "inception_naive", "--explain", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert "params: 1·1·256·128 = 32,768" in table[2]["explain"]
    code, out = run("analyze", "alexnet", "--explain", "--format", "html")
    assert "(11·11·3 + 1)·96 = 34,944" in out
    code, out = run("analyze", "alexnet", "--explain")
    assert "55·55·96·11·11·3 = 105,415,200" in out


def test_user_text_in_worked_markdown_is_escaped() -> None:
    spec = {"input": [3, 8, 8], "layers": [{"conv": {"name": "a|b*<i>", "filters": 2, "kernel": 3}}]}
    from convcalc.render.markdown import render_markdown

    out = render_markdown(convcalc.analyze(spec), explain=True)
    worked = out.split("**Worked formulas**")[1]
    assert "<i>" not in worked and "a\\|b\\*&lt;i&gt;" in worked


def test_one_transposed_formula_serves_layer_teach_and_drawing() -> None:
    from convcalc.draw import draw_conv
    from convcalc.teach import ConvSetting, explain_conv

    formula = shapes.transposed_formula(3, 3, 2, 1, 1, 1, 1)
    assert formula == "(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6"
    assert any(formula in line for line in explain_conv([ConvSetting(3, 3, 2, (1, 1), 1, True, 1)]))
    assert formula in draw_conv((3, 3), 3, stride=2, padding=1, transposed=True, output_padding=1, frame=0)
    report = convcalc.analyze(
        {
            "input": [1, 3, 3],
            "layers": [{"deconv": {"filters": 1, "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1}}],
        }
    )
    assert f"H, W: {formula}" in report.rows[0].explain
    assert prod(report.rows[0].output_shape[1:]) == 36


# --------------------------------------------------------------------------- compare


def test_compare_pairs_inception_branches_by_structure() -> None:
    """cs231n lecture 9: the bottleneck module adds 1×1 convolutions before the 3×3 and 5×5 ones and after
    the pooling; each 3×3/5×5 convolution pairs with its counterpart, the 1×1s sit in place."""
    from convcalc.compare import compare

    naive = convcalc.analyze(SPECS / "inception_naive.yaml")
    bottleneck = convcalc.analyze(SPECS / "inception_bottleneck.yaml")
    lines = [
        tuple(r.path_text if r else None for r in line.rows) + (line.kind,)
        for line in compare([naive, bottleneck]).rows
    ]
    assert lines == [
        ("inception", "inception", "parallel"),
        ("inception/b1", "inception/b1", "branch"),
        ("inception/b1/conv1", "inception/b1/conv1", "conv 1×1"),
        ("inception/b2", "inception/b2", "branch"),
        (None, "inception/b2/conv1", "conv 1×1"),
        ("inception/b2/conv1", "inception/b2/conv2", "conv 3×3 pad 1"),
        ("inception/b3", "inception/b3", "branch"),
        (None, "inception/b3/conv1", "conv 1×1"),
        ("inception/b3/conv1", "inception/b3/conv2", "conv 5×5 pad 2"),
        ("inception/b4", "inception/b4", "branch"),
        ("inception/b4/maxpool1", "inception/b4/maxpool1", "maxpool 3×3 pad 1"),
        (None, "inception/b4/conv1", "conv 1×1"),
    ]


def test_compare_cli_shows_names_paths_output_and_field() -> None:
    code, out = run("compare", "inception_naive", "inception_bottleneck", "--format", "markdown")
    assert code == 0
    assert "Inception module, naive (cs231n)" in out and "Inception module with bottlenecks (cs231n)" in out
    assert "| Output | 28×28×672 | 28×28×480 | different |" in out
    assert "| Receptive field | 5 | 5 | same |" in out
    assert "| &nbsp;&nbsp;&nbsp;&nbsp;conv1 / conv2 | conv 3×3 pad 1 |" in out
    code, out = run("compare", "inception_naive", "inception_bottleneck", "--format", "json")
    rows = json.loads(out)["rows"]
    assert rows[4]["values"][0] is None and rows[4]["values"][1]["path"] == "inception/b2/conv1"


def test_vgg_same_field_fewer_weights() -> None:
    """cs231n lecture 9 (VGG): three stacked 3×3 convolutions see 7×7 like one 7×7, with 3·9 = 27 weights
    per channel pair instead of 49."""
    from convcalc.compare import compare
    from convcalc.render.compare_output import facts

    stack = convcalc.analyze({"input": [1, 7, 7], "layers": [{"conv": {"filters": 1, "kernel": 3, "bias": False}}] * 3})
    one = convcalc.analyze({"input": [1, 7, 7], "layers": [{"conv": {"filters": 1, "kernel": 7, "bias": False}}]})
    comparison = compare([stack, one])
    assert [m.values for m in comparison.metrics if m.key == "params"] == [(27, 49)]
    assert ("Receptive field", ["7", "7"], ["same"]) in facts(comparison)
    assert ("Output", ["1×1×1", "1×1×1"], ["same"]) in facts(comparison)
    paired = [tuple(r.name if r else None for r in line.rows) for line in comparison.rows]
    assert paired == [("conv1", None), ("conv2", None), ("conv3", "conv1")]  # the last 3×3 and the 7×7 give 1×1


# --------------------------------------------------------------------------- drawings at any depth

import xml.etree.ElementTree as ET  # noqa: E402

from convcalc.draw import draw_report  # noqa: E402
from convcalc.draw.parts import boxes_at_depth, fitting_depth  # noqa: E402
from convcalc.draw.network import shape_label  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def _cards(svg: str) -> dict[str, tuple[list[str], str]]:
    """data-path → (the card's visible texts, the paths folded into it)."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if "layer-card" in (g.get("class") or "").split():
            texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
            out[g.get("data-path")] = (texts, g.get("data-folded") or "")
    return out


def _every_layer_is_shown(report, svg: str) -> dict[str, list[str]]:
    """Each leaf row is a card, folded into the card before it, or inside a closed composite's card."""
    cards = _cards(svg)
    folded = {p for _, f in cards.values() for p in f.split()}
    for row in report.rows:
        if not row.leaf:
            continue
        shown = row.path_text in cards or row.path_text in folded
        closed = any(row.path_text.startswith(p + "/") for p in cards)
        assert shown or closed, row.path_text
    return {path: texts for path, (texts, _) in cards.items()}


@pytest.mark.parametrize(
    ("name", "depth"), [("inception_naive", 1), ("inception_bottleneck", None), ("resnet50", 2)]
)
def test_every_branch_layer_shows_its_kernel_and_volume(name: str, depth: int | None) -> None:
    """Issue 14's acceptance: every layer of every branch, its window (kernel, stride, padding) and its output
    volume written on the picture, not in tooltips."""
    report = convcalc.analyze(SPECS / f"{name}.yaml")
    svg = draw_report(report, depth=depth)
    cards = _every_layer_is_shown(report, svg)
    windowed = [r for r in report.rows if r.leaf and getattr(r.formulas, "brief", "")]
    assert windowed
    for row in windowed:
        texts = cards[row.path_text]
        assert f"{row.type} {row.formulas.brief}" in texts, row.path_text
        assert shape_label(row.output_shape) in texts, row.path_text


def test_inception_branches_side_by_side() -> None:
    report = convcalc.analyze(SPECS / "inception_naive.yaml")
    cards = _cards(draw_report(report, depth=1))
    texts = {path: t for path, (t, _) in cards.items()}
    assert texts["inception/b2/conv1"] == ["conv1", "conv 3×3 pad 1", "28×28×192"]
    assert texts["inception/b3/conv1"] == ["conv1", "conv 5×5 pad 2", "28×28×96"]
    root = ET.fromstring(draw_report(report, depth=1))
    (fork,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "fork"]
    assert fork.get("data-branches") == "4" and fork.get("data-merge") == "concat"
    assert "concat → 28×28×672" in ["".join(t.itertext()) for t in fork.iter(f"{SVG}text")]
    ys = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("data-path", "").endswith(("conv1", "maxpool1")):
            rect = next(g.iter(f"{SVG}rect"))
            ys[g.get("data-path")] = (float(rect.get("x")), float(rect.get("y")))
    assert len({y for _, y in ys.values()}) == 1  # one row, side by side
    assert len({x for x, _ in ys.values()}) == 4


def test_resnet_skip_arcs_and_projection_shortcuts() -> None:
    """ResNet-50: 16 bottlenecks, 4 with a 1×1 projection shortcut (drawn as a branch), 12 with an identity
    shortcut (drawn as the skip arc)."""
    report = convcalc.analyze(SPECS / "resnet50.yaml")
    root = ET.fromstring(draw_report(report, depth=2))
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "skip"]) == 12
    cards = _cards(draw_report(report, depth=2))
    assert cards["layer2.0/residual1/shortcut/conv1"][0][1] == "conv 1×1 /2"
    assert cards["layer2.0/residual1/main/conv2"][0][1] == "conv 3×3 /2 pad 1"
    assert "layer2.0/residual1/main/bn2 layer2.0/residual1/main/relu2" in cards["layer2.0/residual1/main/conv2"][1]


def test_vgg_stages_show_their_convolutions() -> None:
    report = convcalc.analyze(SPECS / "vgg16.yaml")
    cards = _every_layer_is_shown(report, draw_report(report))
    convs = [r for r in report.rows if r.type == "conv"]
    assert len(convs) == 13 and all("conv 3×3 pad 1" in cards[r.path_text] for r in convs)


def test_depth_zero_is_the_volumes_and_the_default_fits() -> None:
    report = convcalc.analyze(SPECS / "googlenet.yaml")
    assert 'class="volume' in draw_report(report, depth=0)
    depth = fitting_depth(report)
    deepest = max(r.depth for r in report.rows)
    assert boxes_at_depth(report, depth) <= 160
    assert depth == deepest or boxes_at_depth(report, depth + 1) > 160
    assert boxes_at_depth(report, 1) == 20 - 1  # 20 top-level rows, dropout1 written on flatten1's card



def test_user_text_in_the_parts_drawing_is_escaped() -> None:
    spec = {
        "name": "<script>x</script>",
        "input": [3, 8, 8],
        "layers": [{"residual": {"main": [{"conv": {"name": "a<&>", "filters": 3, "kernel": 3, "padding": 1}}]}}],
    }
    svg = draw_report(convcalc.analyze(spec), depth=1)
    assert "<script>" not in svg and "a<&>" not in svg
    ET.fromstring(svg)


def test_draw_depth_on_the_command_line(tmp_path) -> None:
    target = tmp_path / "r.svg"
    code, _ = run("draw", "resnet50", "--depth", "2", "-o", str(target))
    assert code == 0
    assert "conv 3×3 /2 pad 1" in target.read_text(encoding="utf-8")


MINI_UNET = {
    "name": "a two-level U-Net",
    "input": [1, 32, 32],
    "layers": [
        {"conv": {"name": "e1", "filters": 4, "kernel": 3, "padding": 1, "activation": "relu"}},
        {"maxpool": {"kernel": 2}},
        {"conv": {"name": "e2", "filters": 8, "kernel": 3, "padding": 1}},
        {"deconv": {"name": "up", "filters": 4, "kernel": 2, "stride": 2}},
        {"concat": {"from": ["up", "e1"]}},
        {"conv": {"name": "head", "filters": 2, "kernel": 1}},
    ],
}


def _columns_of(svg: str) -> dict[str, tuple[int, int]]:
    """data-path of each card → (level, column) of the band column holding it."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "band-column":
            for card in g.iter(f"{SVG}g"):
                if "layer-card" in (card.get("class") or "").split():
                    out[card.get("data-path")] = (int(g.get("data-level")), int(g.get("data-column")))
    return out


def test_a_graph_is_laid_out_in_resolution_bands_as_a_u() -> None:
    """The encoder goes down a band per halving, the decoder comes back up beside the encoder stage it
    concatenates; the skip connection is drawn from e1 to the concat."""
    report = convcalc.analyze(MINI_UNET)
    assert report.graph_like
    svg = draw_report(report)
    placed = _columns_of(svg)
    assert placed["input"] == placed["e1"] == (0, 0)
    assert placed["maxpool1"] == placed["e2"] == (1, 1)
    assert placed["up"] == placed["concat1"] == placed["head"] == (0, 2)
    root = ET.fromstring(svg)
    reads = [(g.get("data-from"), g.get("data-to")) for g in root.iter(f"{SVG}g") if g.get("class") == "read"]
    assert reads == [("e1", "concat1")]
    _every_layer_is_shown(report, svg)
    assert "← up + e1" in _cards(svg)["concat1"][0]


def test_several_inputs_each_get_a_card_and_a_band() -> None:
    spec = {
        "inputs": {"big": [8, 16, 16], "small": [8, 8, 8]},
        "layers": [
            {"upsample": {"name": "up", "scale": 2, "from": "small"}},
            {"add": {"from": ["up", "big"]}},
        ],
    }
    report = convcalc.analyze(spec)
    placed = _columns_of(draw_report(report))
    assert placed["big"][0] == 0 and placed["small"][0] == 1
    assert placed["up"][0] == placed["add1"][0] == 0


# --------------------------------------------------------------------------- one convolution


def test_draw_conv_with_one_size_is_one_dimensional_and_labelled() -> None:
    """The MIT deck's 1-D example: `convcalc conv 5` is 1-D, so `draw conv 5` draws a row of 5 cells."""
    code, out = run("draw", "conv", "5", "-k", "3", "--frame", "0")
    assert code == 0
    root = ET.fromstring(out)
    cells = [e for e in root.iter(f"{SVG}rect") if (e.get("class") or "").split()[:2] == ["cell", "input"]]
    assert len(cells) == 5 and all(e.get("data-row") is None for e in cells)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "input" in texts and "output" in texts and "input 5" in texts
    code, square = run("draw", "conv", "5x5", "-k", "3", "--frame", "0")
    texts = ["".join(t.itertext()) for t in ET.fromstring(square).iter(f"{SVG}text")]
    assert "input 5×5" in texts and "output 3×3" in texts


def test_draw_conv_speed_on_the_command_line() -> None:
    code, out = run("draw", "conv", "5x5", "-k", "3", "--speed", "2")
    assert code == 0 and 'dur="3.6s"' in out  # 9 positions × 0.8 s ÷ 2
    assert run("draw", "conv", "5x5", "-k", "3", "--speed", "0")[0] == 2


def test_a_tall_band_column_goes_on_in_the_next_one() -> None:
    from convcalc.draw.graph_layout import draw_graph

    report = convcalc.analyze(MINI_UNET)
    placed = _columns_of(draw_graph(report, 1, max_height=60))
    assert [placed[p] for p in ("input", "e1", "maxpool1", "e2", "up", "concat1", "head")] == [
        (0, 0),
        (0, 1),
        (1, 2),
        (1, 3),
        (0, 4),
        (0, 5),
        (0, 6),
    ]
