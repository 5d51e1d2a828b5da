"""Multi-head self-attention over the positions of a sequence ``[D, N]`` or a map ``[C, H, W]``.

Counting convention (docs/spec-format.md, "Transformers"), with C the input
width, I = heads·head_dim the inner width, P positions per window and W
windows (one window of every position without ``window``):

- parameters: q, k, v projections 3·C·I (+3·I biases), output projection
  I·C (+C bias); with ``relative_position_bias`` a table of Π(2·w_i − 1)
  entries per head;
- MACs: the four projections 4·W·P·C·I, the scores QKᵀ W·P²·I, the weighted
  sum of the values W·P²·I. Both matrix products count, as
  ``torch.utils.flop_counter`` counts them; scaling, softmax, the bias table
  lookup and masks count 0.

``window: w`` takes non-overlapping windows of w positions per dimension
(Swin, MaxViT's block attention); with ``mode: grid`` each window is w
positions per dimension spread evenly over the whole extent, n/w apart
(MaxViT's grid attention): the same counts, a different receptive field.
Shifted windows (Swin) count as plain windows.
"""

from __future__ import annotations

from math import prod

from ..args import Arg, boolean, choice, count, counts, per_dim
from ..errors import LayerError
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, register, spatial_of


class AttentionCount:
    """The numbers one attention layer is made of (what ``--explain`` shows)."""

    __slots__ = ("width", "heads", "head_dim", "positions", "windows", "bias", "table_sides")

    def __init__(
        self,
        width: int,
        heads: int,
        head_dim: int,
        positions: int,
        windows: int,
        bias: bool,
        table_sides: tuple[int, ...] = (),
    ) -> None:
        self.width = width
        self.heads = heads
        self.head_dim = head_dim
        self.positions = positions
        self.windows = windows
        self.bias = bias
        self.table_sides = table_sides
        """The window's sides when there is a relative-position bias table (else empty)."""

    @property
    def inner(self) -> int:
        return self.heads * self.head_dim

    @property
    def projection_macs(self) -> int:
        return 4 * self.windows * self.positions * self.width * self.inner

    @property
    def score_macs(self) -> int:
        return self.windows * self.positions * self.positions * self.inner

    @property
    def table(self) -> int:
        """Entries per head of the relative-position bias table: one per relative offset."""
        return prod(2 * w - 1 for w in self.table_sides) if self.table_sides else 0

    @property
    def macs(self) -> int:
        return self.projection_macs + 2 * self.score_macs

    @property
    def params(self) -> int:
        c, i = self.width, self.inner
        biases = 3 * i + c if self.bias else 0
        return 3 * c * i + i * c + biases + self.table * self.heads

    def explain(self) -> tuple[str, ...]:
        w, p, c, i, h, d = self.windows, self.positions, self.width, self.inner, self.heads, self.head_dim
        lines = [
            f"inner width I = heads·head_dim = {h}·{d} = {i}; {w} window{'s' if w != 1 else ''} of P = {p} positions",
            f"projections q, k, v, out: 4·W·P·C·I = 4·{w}·{p}·{c}·{i} = {self.projection_macs:,} MACs",
            f"scores QKᵀ: W·P²·I = {w}·{p}²·{i} = {self.score_macs:,} MACs",
            f"weighted sum of V: W·P²·I = {w}·{p}²·{i} = {self.score_macs:,} MACs",
            f"parameters: 3·C·I + I·C = 3·{c}·{i} + {i}·{c} = {4 * c * i:,}"
            + (f", biases 3·I + C = {3 * i + c:,}" if self.bias else ", no biases"),
        ]
        if self.table:
            sides = "·".join(f"(2·{w} − 1)" for w in self.table_sides)
            lines.append(
                f"relative-position bias table: {sides}·{h} heads = {self.table}·{h} = {self.table * h:,} parameters"
            )
        params = 4 * c * i + (3 * i + c if self.bias else 0) + self.table * h
        terms = [4 * c * i, *([3 * i + c] if self.bias else []), *([self.table * h] if self.table else [])]
        lines.append(f"params: {' + '.join(f'{t:,}' for t in terms)} = {params:,}" if len(terms) > 1 else f"params: {params:,}")
        macs = self.projection_macs + 2 * self.score_macs
        lines.append(f"MACs: {self.projection_macs:,} + {self.score_macs:,} + {self.score_macs:,} = {macs:,}")
        return tuple(lines)


def _partition(sizes: tuple[int, ...], spatial: tuple[int, ...]) -> None:
    for n, w in zip(spatial, sizes):
        if n % w:
            shown = "×".join(map(str, spatial))
            raise LayerError(
                "window",
                f"window {'×'.join(map(str, sizes))} does not divide the spatial size {shown} ({n} mod {w} = {n % w})",
            )


def attention_count(args: Args, shape: Shape) -> tuple[AttentionCount, tuple[int, ...]]:
    """What one attention layer on ``shape`` is made of, and its window's size per dimension."""
    width, spatial = spatial_of(shape, "attention")
    heads = args["heads"]
    head_dim = args["head_dim"]
    if head_dim is None:
        if width % heads:
            raise LayerError(
                "heads",
                f"heads {heads} do not divide the width {width} ({width} mod {heads} = {width % heads}; "
                "give head_dim to use another inner width)",
            )
        head_dim = width // heads
    ndim = len(spatial)
    grid = args["mode"] == "grid"
    if args["window"] is not None:
        sizes = per_dim("window", args["window"], ndim)
        _partition(sizes, spatial)
    elif grid:
        raise LayerError("missing-key", "mode grid needs 'window' (the grid's size per dimension)")
    else:
        sizes = spatial
    positions = prod(sizes)
    table_sides: tuple[int, ...] = ()
    if args["relative_position_bias"]:
        if args["window"] is None:
            raise LayerError("missing-key", "relative_position_bias needs a window (its table spans one window)")
        table_sides = sizes
    counted = AttentionCount(width, heads, head_dim, positions, prod(spatial) // positions, args["bias"], table_sides)
    return counted, sizes


def evaluate_attention(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    counted, sizes = attention_count(args, shape)
    grid = args["mode"] == "grid"
    return Outcome(
        shape=shape,
        rf=_field(rf, args["window"] is not None, grid, sizes, shape[1:]),
        params=counted.params,
        macs=counted.macs,
        explain=counted.explain,
    )


def _products(args: Args, in_shape: Shape, out_shape: Shape) -> int:
    """The scores and the weighted sum: products of two activations."""
    return 2 * attention_count(args, in_shape)[0].score_macs


def _saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """What ``nn.MultiheadAttention(batch_first=True)`` keeps on the math kernel (torch 2.14.1),
    per window: a copy of its input (transposed for the packed projection); the packed q, k, v
    projection (3·P·I); q and k scaled (2·P·I); the softmax of the scores (heads·P²); the
    heads' output before the output projection (P·I)."""
    counted = attention_count(args, in_shape)[0]
    positions = counted.windows * counted.positions
    inner = counted.inner
    return (
        Saved("extra", positions * counted.width),
        Saved("extra", 3 * positions * inner),
        Saved("extra", 2 * positions * inner),
        Saved("extra", counted.windows * counted.heads * counted.positions**2),
        Saved("extra", positions * inner),
    )


def _field(
    rf: ReceptiveField, windowed: bool, grid: bool, sizes: tuple[int, ...], spatial: tuple[int, ...]
) -> ReceptiveField:
    """Global attention sees the whole extent; a window its window; a grid w positions n/w apart.

    A window on a sequence made by ``tokens`` (whose positions are no longer
    the input's dimensions) is taken as seeing the whole extent.
    """
    extent = rf.extent
    ones = [1] * len(extent)
    if not windowed or len(spatial) != len(extent):
        return rf.window(extent, ones, [0] * len(extent), extent)
    if not grid:
        return rf.window(sizes, ones, [0] * len(extent), extent)
    return rf.window([(g - 1) * (n // g) + 1 for n, g in zip(spatial, sizes)], ones, [0] * len(extent), extent)


register(
    LayerRule(
        "attention",
        evaluate_attention,
        {
            "heads": Arg(count),
            "head_dim": Arg(count, None, "default: the width / heads"),
            "bias": Arg(boolean, True, "default true: q, k, v and output biases"),
            "window": Arg(counts, None, "positions per window and dimension; default: one window of every position"),
            "mode": Arg(
                choice("window", "grid"), "window", "window: neighbours; grid: spread over the map, n/window apart"
            ),
            "relative_position_bias": Arg(boolean, False, "default false: a (2w − 1)^d table per head; needs window"),
        },
        summary="multi-head self-attention",
        autograd=Autograd(_saved, weight_products=True, activation_products=_products),
    )
)
