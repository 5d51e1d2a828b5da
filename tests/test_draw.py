"""SVG drawings: a convolution sliding over its input, and a network as volumes."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

import convcalc
from convcalc import shapes
from convcalc.draw import draw_conv, draw_report

SVG = "{http://www.w3.org/2000/svg}"
SPECS = Path(__file__).resolve().parent.parent / "specs"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    return root


def having(root: ET.Element, *classes: str, tag: str | None = None) -> list[ET.Element]:
    """Elements whose class attribute holds every one of ``classes``."""
    wanted = set(classes)
    return [
        e
        for e in root.iter()
        if wanted <= set((e.get("class") or "").split()) and (tag is None or e.tag == f"{SVG}{tag}")
    ]


def coords(elements: list[ET.Element]) -> set[tuple[int, ...]]:
    out = set()
    for e in elements:
        if e.get("data-row") is None:
            out.add((int(e.get("data-col")),))
        else:
            out.add((int(e.get("data-row")), int(e.get("data-col"))))
    return out


def animation_elements(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag in (f"{SVG}animate", f"{SVG}set", f"{SVG}animateTransform")]


def positions(root: ET.Element) -> int:
    """Output positions the (one, moving) window of an animation goes through."""
    (window,) = having(root, "window", tag="g")
    return int(window.get("data-positions"))


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


# --------------------------------------------------------------------------- draw_conv


CONFIGS = [
    # size, kwargs, expected output size (computed independently with shapes)
    ((5, 5), dict(kernel=3, stride=2, padding=1), (3, 3)),
    ((7, 7), dict(kernel=3, dilation=2), (3, 3)),
    ((7, 7), dict(kernel=3, padding=2, dilation=2), (7, 7)),
    ((6, 9), dict(kernel=[3, 2], stride=[2, 3]), (shapes.conv_output(6, 3, 2), shapes.conv_output(9, 2, 3))),
    ((7, 7), dict(kernel=3, stride=3), (2, 2)),
    ((10,), dict(kernel=3, stride=2), (4,)),
    ((9,), dict(kernel=3, padding=[[1, 2]], dilation=2), (shapes.conv_output(9, 3, 1, 1, 2, 2),)),
    ((6, 7), dict(kernel=3, stride=2, padding="same"), (3, 4)),
    ((4, 4), dict(kernel=3, padding="full"), (6, 6)),
    ((3, 3), dict(kernel=3, stride=2, padding=1, transposed=True, output_padding=1), (6, 6)),
    ((4,), dict(kernel=3, stride=3, transposed=True), (shapes.transposed_output(4, 3, 3),)),
]


def translations(element: ET.Element) -> list[tuple[float, float]]:
    """The discrete translate steps of an element's animateTransform (none: it stays at 0, 0)."""
    found = [e for e in element if e.tag == f"{SVG}animateTransform"]
    if not found:
        return [(0.0, 0.0)]
    (anim,) = found
    assert anim.get("calcMode") == "discrete" and anim.get("repeatCount") == "indefinite"
    values = [tuple(float(v) for v in pair.split(",")) for pair in anim.get("values").split(";")]
    times = [Fraction(t) for t in anim.get("keyTimes").split(";")]
    assert all(abs(t - Fraction(i, len(values))) < Fraction(1, 10**6) for i, t in enumerate(times))
    return values


@pytest.mark.parametrize(("size", "kwargs", "expected"), CONFIGS)
def test_one_window_moves_through_every_output_position(size, kwargs, expected) -> None:
    root = parse(draw_conv(size, **kwargs))
    (window,) = having(root, "window", tag="g")
    assert int(window.get("data-positions")) == math.prod(expected)
    assert len(translations(window)) == math.prod(expected)
    assert len(having(root, "cell", "output")) == math.prod(expected)
    assert not list(root.iter(f"{SVG}script"))


@pytest.mark.parametrize(("size", "kwargs", "expected"), CONFIGS)
def test_a_still_frame_parses_and_has_no_animation(size, kwargs, expected) -> None:
    last = math.prod(expected) - 1
    root = parse(draw_conv(size, **kwargs, frame=last))
    assert animation_elements(root) == []
    windows = having(root, "window", tag="g")
    assert [int(w.get("data-index")) for w in windows] == [last]


def _boxes(elements: list[ET.Element], dx: float = 0.0, dy: float = 0.0) -> set[tuple[float, float]]:
    return {(round(float(e.get("x")) + dx, 2), round(float(e.get("y")) + dy, 2)) for e in elements}


@pytest.mark.parametrize(("size", "kwargs", "expected"), CONFIGS)
def test_at_every_step_the_moving_window_is_that_positions_still(size, kwargs, expected) -> None:
    """The animation's step i puts the taps and the current output cell where the still frame i has them."""
    root = parse(draw_conv(size, **kwargs))
    (window,) = having(root, "window", tag="g")
    steps = translations(window)
    moving_current = having(root, "current-cell", tag="g")
    out_steps = translations(moving_current[0]) if moving_current else steps
    current = having(moving_current[0] if moving_current else window, "current")
    for index, ((dx, dy), (ox, oy)) in enumerate(zip(steps, out_steps)):
        still = parse(draw_conv(size, **kwargs, frame=index))
        assert _boxes(having(window, "tap"), dx, dy) == _boxes(having(still, "tap"))
        assert _boxes(current, ox, oy) == _boxes(having(still, "current"))


def test_the_step_captions_show_one_at_a_time() -> None:
    root = parse(draw_conv((5, 5), 3, stride=2, padding=1))
    captions = having(root, "step", tag="text")
    total = len(captions)
    assert total == 9

    def visible(text: ET.Element, t: Fraction) -> bool:
        state = text.get("visibility", "visible")
        for anim in text:
            for value, time in zip(anim.get("values").split(";"), anim.get("keyTimes").split(";")):
                if Fraction(time) <= t:
                    state = value
        return state == "visible"

    for step in range(total):
        t = Fraction(2 * step + 1, 2 * total)
        assert [int(c.get("data-index")) for c in captions if visible(c, t)] == [step]


def test_animation_size_grows_with_frames_not_with_the_grid() -> None:
    """conv_arithmetic issue #9 / issue 14: a 32×32 input drew 3.2 MB; one moving window keeps it small."""
    big = draw_conv((32, 32), 3, padding=1).encode()
    assert len(big) < 300_000
    (window,) = having(parse(big.decode()), "window", tag="g")
    assert int(window.get("data-positions")) == 120  # frames shown are capped; the note says so
    assert "the first 120 of 1024 positions shown" in big.decode()
    fewer = draw_conv((32, 32), 3, padding=1, max_frames=10).encode()
    assert len(big) - len(fewer) > 110 * 200  # each frame shown costs its caption and its done cell
    slow = parse(draw_conv((5, 5), 3, speed=0.5))
    (anim,) = [e for e in having(slow, "window", tag="g")[0] if e.tag == f"{SVG}animateTransform"]
    assert anim.get("dur") == "14.4s"  # 9 positions × 0.8 s ÷ 0.5


def test_the_title_is_the_slide_formula() -> None:
    root = parse(draw_conv((5, 5), 3, stride=2, padding=1))
    assert "(5 + 2·1 − 3)/2 + 1 = 3" in texts(root)
    uneven = parse(draw_conv((7, 7), 3, stride=3, frame=0))
    assert "(7 − 3)/3 + 1 = 2.33 → 2" in texts(uneven)
    deconv = parse(draw_conv((3, 3), 3, stride=2, padding=1, transposed=True, output_padding=1, frame=0))
    assert "(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6" in texts(deconv)


def grid(rows: range, cols: range) -> set[tuple[int, int]]:
    return {(r, c) for r in rows for c in cols}


@pytest.mark.parametrize(
    ("size", "padding", "kernel", "stride", "rows", "cols"),
    [
        ((5, 5), 1, 3, 1, range(-1, 6), range(-1, 6)),
        ((5, 5), 2, 5, 1, range(-2, 7), range(-2, 7)),
        ((4, 5), [[0, 2], [1, 0]], 3, 1, range(0, 6), range(-1, 5)),
        ((4, 5), [2, 0], 3, 1, range(-2, 6), range(0, 5)),
        # TensorFlow's same: H 6, s 2 → out 3, total 1: (0, 1); W 7 → out 4, total 2: (1, 1)
        ((6, 7), "same", 3, 2, range(0, 7), range(-1, 8)),
        ((5, 5), "valid", 3, 1, range(0, 5), range(0, 5)),
        ((4, 4), "half", 5, 1, range(-2, 6), range(-2, 6)),
    ],
)
def test_padding_cells_are_exactly_where_the_padding_is(size, padding, kernel, stride, rows, cols) -> None:
    root = parse(draw_conv(size, kernel, stride=stride, padding=padding, frame=0))
    inputs = coords(having(root, "cell", "input"))
    padded = coords(having(root, "cell", "padding"))
    assert inputs == grid(range(size[0]), range(size[1]))
    assert padded == grid(rows, cols) - inputs
    assert len(having(root, "cell", "padding")) == len(rows) * len(cols) - size[0] * size[1]
    assert having(root, "cell", "zero") == []


def test_padding_in_one_dimension() -> None:
    root = parse(draw_conv((6,), 3, padding=[1, 2], frame=0))
    assert coords(having(root, "cell", "padding")) == {(-1,), (6,), (7,)}
    assert coords(having(root, "cell", "input")) == {(i,) for i in range(6)}
    assert len(having(root, "window", tag="g")) == 1
    assert positions(parse(draw_conv((6,), 3, padding=[1, 2]))) == 7


def test_a_transposed_convolution_shows_inserted_zeros_and_its_padding() -> None:
    n, k, s, p, op = 3, 3, 2, 1, 1
    root = parse(draw_conv((n, n), k, stride=s, padding=p, transposed=True, output_padding=op))
    zeros = coords(having(root, "cell", "zero"))
    inputs = having(root, "cell", "input")
    stretched = (n - 1) * s + 1
    assert len(zeros) == stretched**2 - n**2 == 16
    assert zeros == {(r, c) for r in range(stretched) for c in range(stretched) if r % s or c % s}
    for i in range(n):  # (s − 1)·(n − 1) zeros in every row and column that holds inputs
        assert sum(1 for r, _ in zeros if r == i * s) == (s - 1) * (n - 1) == 2
        assert sum(1 for _, c in zeros if c == i * s) == (s - 1) * (n - 1)
    assert {(int(e.get("data-src-row")), int(e.get("data-src-col"))) for e in inputs} == grid(range(n), range(n))
    assert coords(inputs) == {(r * s, c * s) for r in range(n) for c in range(n)}
    # padding d(k − 1) − p = 1 before, 1 + output_padding = 2 after
    padded = coords(having(root, "cell", "padding"))
    assert padded == grid(range(-1, stretched + 2), range(-1, stretched + 2)) - grid(range(stretched), range(stretched))
    assert coords(having(root, "cell", "output-padding")) == {(r, c) for r, c in padded if r == 6 or c == 6}
    out = shapes.transposed_output(n, k, s, p, p, 1, op)
    assert out == 6
    assert positions(root) == out * out == 36


def test_a_transposed_convolution_in_one_dimension() -> None:
    n, s = 4, 3
    root = parse(draw_conv((n,), 2, stride=s, transposed=True, frame=0))
    assert len(having(root, "cell", "zero")) == (s - 1) * (n - 1) == 6
    assert len(having(root, "cell", "padding")) == 2  # d(k − 1) − p = 1 on each side
    assert positions(parse(draw_conv((n,), 2, stride=s, transposed=True))) == (
        shapes.transposed_output(n, 2, s)
    )


def test_transposed_padding_over_the_kernel_crops_the_stretched_input() -> None:
    root = parse(draw_conv((4,), 3, stride=2, padding=3, transposed=True, frame=0))
    assert coords(having(root, "cell", "cropped")) == {(0,), (6,)}
    assert having(root, "cell", "padding") == []
    assert (
        positions(parse(draw_conv((4,), 3, stride=2, padding=3, transposed=True))) == 3
    )
    (window,) = having(root, "window", tag="g")
    assert coords(having(window, "tap")) == {(1,), (2,), (3,)}


@pytest.mark.parametrize(
    ("size", "kwargs", "index", "out_cell", "rows", "cols"),
    [
        ((5, 5), dict(kernel=3, stride=2, padding=1), 4, (1, 1), [1, 2, 3], [1, 2, 3]),
        ((5, 5), dict(kernel=3, stride=2, padding=1), 5, (1, 2), [1, 2, 3], [3, 4, 5]),
        ((5, 5), dict(kernel=3, stride=2, padding=1), 0, (0, 0), [-1, 0, 1], [-1, 0, 1]),
        ((7, 7), dict(kernel=3, dilation=2), 3, (1, 0), [1, 3, 5], [0, 2, 4]),
        ((7, 7), dict(kernel=3, padding=2, dilation=2), 8, (1, 1), [-1, 1, 3], [-1, 1, 3]),
        (
            (3, 3),
            dict(kernel=3, stride=2, padding=1, transposed=True, output_padding=1),
            7,
            (1, 1),
            [0, 1, 2],
            [0, 1, 2],
        ),
    ],
)
def test_a_still_frame_highlights_exactly_the_cells_of_its_window(size, kwargs, index, out_cell, rows, cols) -> None:
    root = parse(draw_conv(size, **kwargs, frame=index))
    assert animation_elements(root) == []
    (window,) = having(root, "window", tag="g")
    assert int(window.get("data-index")) == index
    taps = having(root, "tap")
    assert len(taps) == len(rows) * len(cols)  # only the taps, not the dilated span
    assert coords(taps) == {(r, c) for r in rows for c in cols}
    drawn = (
        coords(having(root, "cell", "input"))
        | coords(having(root, "cell", "padding"))
        | coords(having(root, "cell", "zero"))
    )
    assert coords(taps) <= drawn
    (current,) = having(root, "current")
    assert (int(current.get("data-row")), int(current.get("data-col"))) == out_cell
    done = coords(having(root, "done"))
    width = int(max(c for _, c in coords(having(root, "cell", "output")))) + 1
    assert done == {divmod(i, width) for i in range(index)}


def test_a_one_dimensional_frame_links_taps_to_the_output() -> None:
    root = parse(draw_conv((9,), 3, stride=2, padding=1, dilation=2, frame=1))
    assert coords(having(root, "tap")) == {(1,), (3,), (5,)}
    assert len(having(root, "link")) == 3
    (current,) = having(root, "current")
    assert current.get("data-col") == "1"


def test_cells_no_window_reads_are_marked() -> None:
    root = parse(draw_conv((7,), 3, stride=2, padding=[1, 2], dilation=2, frame=0))
    assert coords(having(root, "unread-mark")) == {(0,), (2,), (4,), (6,)}
    assert having(parse(draw_conv((5, 5), 3, stride=2, padding=1, frame=0)), "unread-mark") == []


def test_three_dimensions_draw_the_last_two_with_a_note() -> None:
    root = parse(draw_conv((3, 5, 5), 3, padding=1))
    assert positions(root) == 25
    assert any("3-D" in t for t in texts(root))
    assert len(having(root, "cell", "input")) == 25


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (((3, 3), 5), {}, "larger than the padded input"),
        (((2, 2, 2, 2), 1), {}, "4-D"),
        (((5, 5), 3), dict(frame=9), "frame"),
        (((5, 5), 3), dict(frame=-1), "frame"),
        (((3, 3), 3), dict(stride=2, transposed=True, output_padding=2), "output_padding"),
        (((3, 3), 3), dict(output_padding=1), "transposed"),
        (((3, 3), 3), dict(transposed=True, padding="same"), "numbers"),
        (((5, 5), 3), dict(padding="wide"), "padding"),
        (((5, 5), [3, 3, 3]), {}, "kernel"),
        (((200, 200), 3), {}, "too large"),
        (((5, 5), 3), dict(speed=0), "speed"),
        (((5, 5), 3), dict(max_frames=0), "max_frames"),
    ],
)
def test_bad_arguments_raise_value_error(args, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        draw_conv(*args, **kwargs)


def test_a_large_grid_still_draws_one_frame() -> None:
    root = parse(draw_conv((40, 40), 3, frame=100))
    assert len(having(root, "tap")) == 9


# --------------------------------------------------------------------------- draw_report


def test_alexnet_has_one_volume_per_top_level_volume() -> None:
    report = convcalc.analyze(SPECS / "alexnet.yaml")
    root = parse(draw_report(report))
    volumes = having(root, "volume", tag="g")
    top = [r for r in report.rows if r.depth == 0]
    assert len(volumes) == 1 + len(top) == 24
    labels = [v.get("data-shape") for v in volumes]
    assert labels[0] == "227×227×3"
    by_name = dict(zip([v.get("data-name") for v in volumes], labels))
    assert by_name["conv1"] == "55×55×96"
    assert by_name["pool1"] == "27×27×96"
    assert by_name["conv2"] == "27×27×256"
    assert by_name["pool2"] == "13×13×256"
    assert by_name["conv3"] == by_name["conv4"] == "13×13×384"
    assert by_name["pool3"] == "6×6×256"
    assert by_name["fc6"] == by_name["fc7"] == "4096"
    assert by_name["fc8"] == "1000"
    shown = texts(root)
    for label in labels:
        assert label in shown
    assert [v.get("data-name") for v in having(root, "volume", "flat", tag="g")] == [
        "fc6",
        "relu6",
        "drop6",
        "fc7",
        "relu7",
        "drop7",
        "fc8",
        "softmax1",
    ]
    layer_names = [g.get("data-name") for g in having(root, "layer", tag="g")]
    assert layer_names == [r.name for r in top]


def test_composite_rows_are_one_box_labelled_with_their_type() -> None:
    report = convcalc.analyze(SPECS / "googlenet.yaml")
    root = parse(draw_report(report, depth=0))
    top = [r for r in report.rows if r.depth == 0]
    assert len(having(root, "volume", tag="g")) == 1 + len(top)
    composites = having(root, "volume", "composite", tag="g")
    assert [c.get("data-type") for c in composites] == [r.type for r in top if not r.leaf]
    inception = next(c for c in composites if c.get("data-name") == "inception3a")
    assert inception.get("data-shape") == "28×28×256"
    assert "inception" in texts(inception)
    (branches,) = having(inception, "branches", tag="g")
    assert branches.get("data-count") == "4"
    assert [b.get("data-shape") for b in having(inception, "branch", tag="g")] == [
        "28×28×64",
        "28×28×128",
        "28×28×32",
        "28×28×32",
    ]


def test_a_top_level_parallel_shows_its_branches() -> None:
    report = convcalc.analyze(SPECS / "inception_naive.yaml")
    root = parse(draw_report(report, depth=0))
    assert [v.get("data-shape") for v in having(root, "volume", tag="g")] == ["28×28×256", "28×28×672"]
    assert len(having(root, "branch", tag="g")) == 4


def test_residual_blocks_get_a_skip_arc() -> None:
    report = convcalc.analyze(SPECS / "resnet18.yaml")
    root = parse(draw_report(report, depth=0))
    assert len(having(root, "skip")) == 8
    assert len(having(root, "volume", tag="g")) == 1 + sum(1 for r in report.rows if r.depth == 0)


def test_one_dimensional_and_inline_specs_draw() -> None:
    report = convcalc.analyze({"input": [2, 100], "layers": [{"conv": {"filters": 8, "kernel": 5}}, "flatten"]})
    root = parse(draw_report(report))
    assert [v.get("data-shape") for v in having(root, "volume", tag="g")] == ["100×2", "96×8", "768"]


def test_drawing_imports_neither_click_nor_rich() -> None:
    code = (
        "import sys, convcalc.draw; "
        "convcalc.draw.draw_report(convcalc.analyze({'input': [3, 8, 8], 'layers': ['relu']})); "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(done.stdout.split())
    assert "click" not in modules
    assert "rich" not in modules
