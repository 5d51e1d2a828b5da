"""Transformers: token layers, attention, pixel (un)shuffle, and the bundled ViT-B/16, Swin-T, MaxViT-T.

Published figures are torchvision 0.29.1's model documentation (the
``_docs`` of ``ViT_B_16_Weights``, ``Swin_T_Weights``, ``MaxVit_T_Weights``:
``num_params`` and ``_ops``, which torchvision calls GFLOPS and are MACs).
Exact MACs are ``torch.utils.flop_counter.FlopCounterMode``'s total ÷ 2,
measured with torch 2.14.1 on a CPU with the math attention kernel and
``nn.MultiheadAttention``'s fast path off (tests/test_transformers_against_torch.py
measures them again when torch is installed). The attention counts are checked
against a brute-force count of the multiply-adds of the einsum loops.
This file imports no framework.
"""

from __future__ import annotations

import itertools
from math import prod
from pathlib import Path

import pytest
from conftest import SPECS, analyze_yaml
from hypothesis import given, settings
from click.testing import CliRunner
from hypothesis import strategies as st

import convcalc
from convcalc.cli import main
from convcalc.layers import RULES
from convcalc.report import Row


def one_layer(input_spec: str, layer: str) -> Row:
    report = analyze_yaml(f"input: {input_spec}\nlayers:\n  - {layer}\n")
    (row,) = report.rows
    return row


def spec_error(text: str) -> str:
    with pytest.raises(convcalc.SpecError) as info:
        convcalc.analyze(text, file="t.yaml")
    return str(info.value)


# ----- the bundled models ----------------------------------------------------------


VIT_NEEDS = "ViT-B/16 takes its class token out with `crop: {size: 1, align: start}` (the graphs branch)"
vit_ready = pytest.mark.xfail(
    "crop" not in RULES or not (SPECS / "vit_b_16.yaml").exists(), reason=VIT_NEEDS, strict=True
)


@pytest.mark.parametrize(
    ("stem", "params", "macs", "gflops"),
    [
        # Swin_T_Weights: num_params 28,288,354, GFLOPS 4.49; FlopCounterMode(swin_t()) = 8,981,133,312 FLOPs
        ("swin_t", 28_288_354, 8_981_133_312 // 2, 4.49),
        # MaxVit_T_Weights: num_params 30,919,624, GFLOPS 5.56; FlopCounterMode(maxvit_t()) = 11,116,093,440 FLOPs
        ("maxvit_t", 30_919_624, 11_116_093_440 // 2, 5.56),
        # ViT_B_16_Weights: num_params 86,567,656, GFLOPS 17.56; FlopCounterMode(vit_b_16()) = 35,127,656,448 FLOPs
        pytest.param("vit_b_16", 86_567_656, 35_127_656_448 // 2, 17.56, marks=vit_ready),
    ],
)
def test_bundled_model_matches_torchvision(stem: str, params: int, macs: int, gflops: float) -> None:
    report = convcalc.analyze(SPECS / f"{stem}.yaml")
    assert report.output_shape == (1000,)
    assert report.totals.params == params
    assert report.totals.macs == macs
    assert round(report.totals.macs / 1e9, 2) == gflops


@vit_ready
def test_vit_runs_on_197_tokens() -> None:
    """ViT-B/16's blocks see 196 patches and the class token (the issue: 196 without `token`)."""
    report = convcalc.analyze(SPECS / "vit_b_16.yaml")
    rows = {row.path_text: row for row in report.rows}
    assert rows["class_token"].output_shape == (768, 197)
    assert rows["class_token"].params == 768
    assert rows["pos_embedding"].params == 197 * 768
    assert rows["encoder_layer.1/residual1/main/self_attention"].output_shape == (768, 197)


def test_swin_attention_row() -> None:
    """Swin-T's first block: 64 windows of 49 positions, width 96, 3 heads, table 169·3.

    torch: swin_t().features[1][0].attn has 37,755 parameters (qkv 96·288 + 288,
    proj 96·96 + 96, relative_position_bias_table 169×3).
    """
    report = convcalc.analyze(SPECS / "swin_t.yaml")
    (row,) = (r for r in report.rows if r.path_text == "stage1.1/residual1/main/attn")
    assert row.params == 37_755
    assert row.macs == 4 * 64 * 49 * 96 * 96 + 2 * 64 * 49**2 * 96
    assert row.output_shape == (96, 56, 56)


def test_maxvit_grid_and_window_count_alike() -> None:
    report = convcalc.analyze(SPECS / "maxvit_t.yaml")
    rows = {r.path_text: r for r in report.rows}
    window = rows["block1.0/window_attention/residual1/main/attention1"]
    grid = rows["block1.0/grid_attention/residual1/main/attention1"]
    # torch: maxvit_t().blocks[0].layers[0].layers.window_attention.attn_layer[1]: 16,978 parameters
    # (to_qkv 64·192 + 192, merge 64·64 + 64, relative_position_bias_table 169×2)
    assert window.params == grid.params == 16_978
    assert window.macs == grid.macs == 4 * 64 * 49 * 64 * 64 + 2 * 64 * 49**2 * 64
    assert window.receptive_field.size != grid.receptive_field.size


# ----- attention ------------------------------------------------------------------


def test_global_attention_on_a_sequence() -> None:
    """nn.MultiheadAttention(768, 12) on 197 tokens: 2,362,368 parameters
    (in_proj 3·768·768 + 3·768, out_proj 768·768 + 768)."""
    row = one_layer("{channels: 768, size: [197]}", "attention: {heads: 12}")
    assert row.output_shape == (768, 197)
    assert row.params == 2_362_368
    assert row.macs == 4 * 197 * 768 * 768 + 2 * 197 * 197 * 768


def test_attention_without_bias_and_with_head_dim() -> None:
    row = one_layer("{channels: 10, size: [5]}", "attention: {heads: 3, head_dim: 4, bias: false}")
    assert row.params == 3 * 10 * 12 + 12 * 10
    assert row.macs == 4 * 5 * 10 * 12 + 2 * 25 * 12


def test_attention_receptive_fields() -> None:
    """Global: the whole extent; window w: w positions; grid w on n: w positions n/w apart."""
    whole = one_layer("[8, 12, 12]", "attention: {heads: 2}").receptive_field
    window = one_layer("[8, 12, 12]", "attention: {heads: 2, window: 3}").receptive_field
    grid = one_layer("[8, 12, 12]", "attention: {heads: 2, window: 3, mode: grid}").receptive_field
    assert whole.size == (12, 12) and whole.jump == (1, 1)
    assert window.size == (3, 3) and window.jump == (1, 1)
    assert grid.size == (9, 9) and grid.jump == (1, 1)  # positions 0, 4, 8


def test_attention_explain_shows_the_terms() -> None:
    report = analyze_yaml(
        """
        input: [64, 8, 8]
        layers:
          - attention: {heads: 4, window: 4, relative_position_bias: true}
        """
    )
    formulas = report.rows[0].formulas
    lines = formulas() if callable(formulas) else formulas
    assert "projections q, k, v, out: 4·W·P·C·I = 4·4·16·64·64 = 1,048,576 MACs" in lines
    assert "scores QKᵀ: W·P²·I = 4·16²·64 = 65,536 MACs" in lines
    assert "weighted sum of V: W·P²·I = 4·16²·64 = 65,536 MACs" in lines
    assert "relative-position bias table: (2·4 − 1)·(2·4 − 1)·4 heads = 49·4 = 196 parameters" in lines


# ----- brute force ------------------------------------------------------------------


def brute_force(
    width: int,
    heads: int,
    head_dim: int,
    spatial: tuple[int, ...],
    window: tuple[int, ...] | None,
    grid: bool,
    bias: bool,
    table: bool,
) -> tuple[int, int]:
    """(parameters, MACs) of self-attention by walking its loops one multiply-add at a time.

    Windows are formed position by position (a block window groups positions
    with equal ``i // w``; a grid window those with equal ``i mod (n/w)``);
    parameters are the entries of each weight, bias and table, the table
    having one entry per relative offset that occurs inside a window.
    """
    inner = heads * head_dim
    positions = list(itertools.product(*(range(n) for n in spatial)))
    groups: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for p in positions:
        if window is None:
            key: tuple[int, ...] = ()
        elif grid:
            key = tuple(i % (n // w) for i, n, w in zip(p, spatial, window))
        else:
            key = tuple(i // w for i, w in zip(p, window))
        groups.setdefault(key, []).append(p)
    macs = 0
    for members in groups.values():
        for _ in members:  # q, k, v = x·Wq, x·Wk, x·Wv at each position
            for _projection in range(3):
                for _o in range(inner):
                    for _c in range(width):
                        macs += 1
        for _h in range(heads):  # scores[h, i, j] = Σ_d q[h, i, d]·k[h, j, d]
            for _i in members:
                for _j in members:
                    for _d in range(head_dim):
                        macs += 1
        for _h in range(heads):  # out[h, i, d] = Σ_j a[h, i, j]·v[h, j, d]
            for _i in members:
                for _d in range(head_dim):
                    for _j in members:
                        macs += 1
        for _ in members:  # y = out·Wo
            for _o in range(width):
                for _i in range(inner):
                    macs += 1
    params = sum(prod(s) for s in [(inner, width)] * 3 + [(width, inner)])
    if bias:
        params += 3 * inner + width
    if table:
        members = next(iter(groups.values()))
        ranks = [tuple(sorted({q[d] for q in members}).index(q[d]) for d in range(len(spatial))) for q in members]
        offsets = {tuple(a - b for a, b in zip(p, q)) for p in ranks for q in ranks}
        params += len(offsets) * heads
    return params, macs


@st.composite
def attention_configs(draw: st.DrawFn) -> tuple[object, ...]:
    heads = draw(st.integers(1, 3))
    head_dim = draw(st.integers(1, 3))
    width = draw(st.integers(1, 6))
    ndim = draw(st.integers(1, 2))
    window_sides = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    counts = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    windowed = draw(st.booleans())
    spatial = tuple(w * c for w, c in zip(window_sides, counts))
    window = tuple(window_sides) if windowed else None
    grid = windowed and draw(st.booleans())
    table = windowed and draw(st.booleans())
    return width, heads, head_dim, spatial, window, grid, draw(st.booleans()), table


@settings(max_examples=60, deadline=2000)
@given(attention_configs())
def test_attention_equals_brute_force(config: tuple[object, ...]) -> None:
    width, heads, head_dim, spatial, window, grid, bias, table = config
    args = [f"heads: {heads}", f"head_dim: {head_dim}", f"bias: {str(bias).lower()}"]
    if window is not None:
        args.append(f"window: {list(window)}")
        args.append(f"mode: {'grid' if grid else 'window'}")
    if table:
        args.append("relative_position_bias: true")
    row = one_layer(f"[{width}, {', '.join(map(str, spatial))}]", f"attention: {{{', '.join(args)}}}")
    expected = brute_force(width, heads, head_dim, spatial, window, grid, bias, table)  # type: ignore[arg-type]
    assert (row.params, row.macs) == expected
    assert row.output_shape == (width, *spatial)


# ----- tokens and the other layers --------------------------------------------------


def test_tokens_reshape_token_posembed() -> None:
    report = analyze_yaml(
        """
        input: [768, 14, 14]
        layers:
          - tokens
          - token: {count: 2}
          - posembed
        """
    )
    tokens, token, posembed = report.rows
    assert tokens.output_shape == (768, 196) and tokens.params == 0
    assert token.output_shape == (768, 198) and token.params == 2 * 768
    assert posembed.output_shape == (768, 198) and posembed.params == 198 * 768
    back = analyze_yaml("input: [4, 6, 6]\nlayers:\n  - tokens\n  - reshape: {size: [3, 12]}\n").rows[-1]
    assert back.output_shape == (4, 3, 12)


def test_tokens_keep_the_receptive_field_of_the_map() -> None:
    """A token is a position of the map: it sees what the patch embedding saw (16×16)."""
    report = analyze_yaml("input: [3, 224, 224]\nlayers:\n  - conv: {filters: 8, kernel: 16, stride: 16}\n  - tokens\n")
    assert report.rows[-1].receptive_field.size == (16, 16)


def test_fc_without_flatten_is_position_wise() -> None:
    """nn.Linear(96, 384) on a 56×56 map (channels last): 37,248 parameters, 56·56·96·384 MACs."""
    row = one_layer("[96, 56, 56]", "fc: {units: 384, flatten: false}")
    assert row.output_shape == (384, 56, 56)
    assert row.params == 96 * 384 + 384
    assert row.macs == 56 * 56 * 96 * 384
    assert row.receptive_field.size == (1, 1)


def test_pixel_unshuffle_and_shuffle() -> None:
    """nn.PixelUnshuffle(2)(zeros(1, 96, 56, 56)).shape == (1, 384, 28, 28);
    nn.PixelShuffle(3)(zeros(1, 18, 5, 5)).shape == (1, 2, 15, 15)."""
    down = one_layer("[96, 56, 56]", "pixelunshuffle: {factor: 2}")
    assert down.output_shape == (384, 28, 28) and down.params == down.macs == 0
    assert down.receptive_field.size == (2, 2) and down.receptive_field.jump == (2, 2)
    up = one_layer("[18, 5, 5]", "pixelshuffle: {factor: 3}")
    assert up.output_shape == (2, 15, 15) and up.params == up.macs == 0
    assert [float(j) for j in up.receptive_field.jump] == [1 / 3, 1 / 3]


def test_swin_patch_merging_as_written() -> None:
    """torchvision PatchMerging(96): LayerNorm(384) + Linear(384, 192, bias=False) = 74,496 parameters."""
    report = analyze_yaml(
        """
        input: [96, 56, 56]
        layers:
          - pixelunshuffle: {factor: 2}
          - layernorm
          - fc: {units: 192, flatten: false, bias: false}
        """
    )
    assert report.output_shape == (192, 28, 28)
    assert report.totals.params == 74_496
    assert report.totals.macs == 28 * 28 * 384 * 192


# ----- errors, each at its entry -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "input: [64, 8, 8]\nlayers:\n  - attention: {heads: 5}\n",
            "t.yaml:3:5: error[heads]: attention1: heads 5 do not divide the width 64",
        ),
        (
            "input: [64, 8, 8]\nlayers:\n  - relu\n  - attention: {heads: 4, window: 3}\n",
            "t.yaml:4:5: error[window]: attention1: window 3×3 does not divide the spatial size 8×8",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - tokens\n  - reshape: {size: [5, 7]}\n",
            "t.yaml:4:5: error[reshape]: reshape1: cannot reshape 36 positions to 5×7 = 35",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - token\n",
            "t.yaml:3:5: error[token]: token1: token needs a sequence [D, N], got the 2-D map 4×6×6",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - attention: {heads: 2, mode: grid}\n",
            "t.yaml:3:5: error[missing-key]: attention1: mode grid needs 'window'",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - attention: {heads: 2, relative_position_bias: true}\n",
            "t.yaml:3:5: error[missing-key]: attention1: relative_position_bias needs a window",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - pixelunshuffle: {factor: 4}\n",
            "t.yaml:3:5: error[shape]: pixelunshuffle1: factor 4 does not divide the spatial size 6×6",
        ),
        (
            "input: [6, 6, 6]\nlayers:\n  - pixelshuffle: {factor: 2}\n",
            "t.yaml:3:5: error[groups]: pixelshuffle1: channels 6 are not divisible by factor^2 = 4",
        ),
        (
            "input: [4, 6, 6]\nlayers:\n  - flatten\n  - attention: {heads: 2}\n",
            "t.yaml:4:5: error[spatial]: attention1: attention needs a spatial input",
        ),
    ],
)
def test_transformer_errors_are_located(text: str, expected: str) -> None:
    message = spec_error(text)
    assert message.startswith(expected), message
    assert "\n" not in message


# ----- receptive fields through sequences and gates ------------------------------------


def test_vit_field_stays_two_dimensional() -> None:
    """Through tokens, the class token, 12 global attentions and the crop, the field is per input dimension:
    16 (the patch) + 12·(14 − 1)·16 = 2512 before the head."""
    report = convcalc.analyze(SPECS / "vit_b_16.yaml")
    rows = {row.path_text: row for row in report.rows}
    assert rows["tokens1"].receptive_field.size == (16, 16)
    assert rows["class_token_out"].receptive_field.size == (2512, 2512)
    assert rows["class_token_out"].receptive_field.jump == (16, 16)


def test_window_layer_on_a_token_sequence_is_bounded_by_the_extent() -> None:
    """A conv along a flattened sequence reads row neighbours: bounded by the whole map; kernel 1 changes nothing."""
    base = "input: [4, 6, 6]\nlayers:\n  - tokens\n"
    wide = analyze_yaml(base + "  - conv: {filters: 4, kernel: 3, padding: 1}\n").rows[-1].receptive_field
    point = analyze_yaml(base + "  - conv: {filters: 4, kernel: 1}\n").rows[-1].receptive_field
    assert wide.size == (6, 6) and wide.jump == (1, 1)
    assert point.size == (1, 1)


def test_squeeze_excitation_gate_keeps_the_main_jump() -> None:
    """The SE gate (global pool → 1×1 convs → mul) sees the whole map, but its outputs are the main branch's
    positions: jump 1, not the pooled jump 8, so later layers don't grow by 8× per tap."""
    report = analyze_yaml(
        """
        input: [8, 8, 8]
        layers:
          - parallel:
              merge: mul
              branches:
                - []
                - [gap, {conv: {filters: 8, kernel: 1}}]
          - conv: {filters: 8, kernel: 3, padding: 1}
        """
    )
    gate, conv = report.rows[0], report.rows[-1]
    assert gate.receptive_field.size == (8, 8) and gate.receptive_field.jump == (1, 1)
    assert conv.receptive_field.size == (10, 10)


def test_analyze_explain_teaches_one_attention_layer(tmp_path: Path) -> None:
    """`convcalc analyze --explain` puts the numbers into the projection, score and weighted-sum terms."""
    spec = tmp_path / "vit_block.yaml"
    spec.write_text("input: {channels: 768, size: [197]}\nlayers:\n  - attention: {heads: 12}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(spec), "--explain"])
    assert result.exit_code == 0, result.output
    assert "4·W·P·C·I = 4·1·197·768·768 = 464,781,312 MACs" in result.output
    assert "QKᵀ: W·P²·I = 1·197²·768 = 29,805,312 MACs" in result.output
    assert "weighted sum of V: W·P²·I = 1·197²·768 = 29,805,312 MACs" in result.output


@settings(max_examples=40, deadline=2000)
@given(
    channels=st.integers(1, 8),
    factor=st.integers(1, 4),
    sides=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    units=st.integers(1, 9),
    bias=st.booleans(),
)
def test_shuffles_invert_and_position_wise_fc_is_a_1x1_conv(
    channels: int, factor: int, sides: list[int], units: int, bias: bool
) -> None:
    """pixelunshuffle then pixelshuffle gives the input shape back; `fc: {flatten: false}` costs what a
    1×1 conv costs (the same linear map at every position)."""
    spatial = [side * factor for side in sides]
    shape = f"[{channels}, {', '.join(map(str, spatial))}]"
    report = analyze_yaml(
        f"input: {shape}\nlayers:\n  - pixelunshuffle: {{factor: {factor}}}\n  - pixelshuffle: {{factor: {factor}}}\n"
    )
    assert report.rows[0].output_shape == (channels * factor ** len(sides), *sides)
    assert report.output_shape == (channels, *spatial)
    flag = str(bias).lower()
    fc = one_layer(shape, f"fc: {{units: {units}, flatten: false, bias: {flag}}}")
    conv = one_layer(shape, f"conv: {{filters: {units}, kernel: 1, bias: {flag}}}")
    assert (fc.output_shape, fc.params, fc.macs) == (conv.output_shape, conv.params, conv.macs)
