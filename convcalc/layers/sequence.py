"""Token sequences: ``[D, N]`` is N tokens of width D (channels = width, one spatial dimension).

``tokens`` flattens a map's positions into a sequence, ``reshape`` lays a
sequence back out, ``token`` puts learned tokens in front (ViT's class
token), ``posembed`` adds a learned tensor of the input's shape.

Receptive field: the field stays in the network input's dimensions (as
through ``flatten``), so a sequence's positions still see what the map's
positions saw; ``reshape`` back to the input's rank makes the new sizes the
extent again.
"""

from __future__ import annotations

from math import prod

from ..args import Arg, count, counts
from ..errors import LayerError
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Shape, register, shape_text, spatial_of
from .worked import NO_COUNTS, count_line


def evaluate_tokens(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    width, spatial = spatial_of(shape, "tokens")
    n = prod(spatial)
    return Outcome(shape=(width, n), rf=rf, explain=(f"N: {'·'.join(map(str, spatial))} = {n} tokens of width {width}", *NO_COUNTS))


register(
    LayerRule("tokens", evaluate_tokens, summary="positions to a token sequence", autograd=Autograd(view=True))
)


def evaluate_reshape(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    width, spatial = spatial_of(shape, "reshape")
    size = args["size"] if isinstance(args["size"], tuple) else (args["size"],)
    if prod(size) != prod(spatial):
        raise LayerError(
            "reshape",
            f"cannot reshape {_count_text(spatial)} positions to {_count_text(size)} (the product must stay the same)",
        )
    field = rf.resized(size) if len(size) == len(rf.extent) else rf
    return Outcome(shape=(width, *size), rf=field, explain=(f"positions: {shape_text(spatial)} → {shape_text(size)}", *NO_COUNTS))


def _count_text(sizes: tuple[int, ...]) -> str:
    return f"{sizes[0]:,}" if len(sizes) == 1 else f"{shape_text(sizes)} = {prod(sizes):,}"


register(
    LayerRule(
        "reshape",
        evaluate_reshape,
        {"size": Arg(counts)},
        summary="positions laid out anew",
        autograd=Autograd(view=True),
    )
)


def evaluate_token(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    width, spatial = spatial_of(shape, "token")
    if len(spatial) != 1:
        raise LayerError(
            "token",
            f"token needs a sequence [D, N], got the {len(spatial)}-D map {shape_text(shape)} "
            "(write `tokens` first to turn its positions into a sequence)",
        )
    added = args["count"]
    return Outcome(
        shape=(width, spatial[0] + added),
        rf=rf,
        params=width * added,
        explain=(f"N: {spatial[0]} + {added} = {spatial[0] + added} tokens", count_line("params", [added, width]), "MACs: 0"),
    )


register(LayerRule("token", evaluate_token, {"count": Arg(count, 1, "default 1: learned tokens put first")}, summary="learned tokens put first"))


def evaluate_posembed(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    spatial_of(shape, "posembed")
    n = prod(shape)
    return Outcome(shape=shape, rf=rf, params=n, explain=(count_line("params", list(shape)), "MACs: 0 (added, not multiplied)"))


register(LayerRule("posembed", evaluate_posembed, summary="learned position embedding"))
