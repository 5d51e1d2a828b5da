"""Layers of graphs: the merges ``concat``, ``add``, ``mul``; ``crop``; ``scale``.

A merge reads two or more tensors (``from: [a, b]``); ``crop`` and
``upsample`` may take their size from another tensor (``like: NAME``), which
the evaluator passes as that tensor's spatial size in ``args["like"]``.
"""

from __future__ import annotations

from typing import Any

from ..args import Arg, choice, counts, per_dim
from ..errors import LayerError
from ..merge import merged_shape
from ..receptive import ReceptiveField, widest
from .base import Args, Autograd, LayerRule, Outcome, Saved, Shape, register, shape_text, spatial_of
from .worked import NO_COUNTS, per_dimension

ALIGNS = ("center", "start", "end")


def reference(key: str, value: Any) -> str | int:
    """A row name (or path) as written; ``-1`` for the entry just before."""
    if value == -1 and not isinstance(value, bool):
        return -1
    if isinstance(value, int) and not isinstance(value, bool):
        raise LayerError(
            "reference",
            f"{key}: {value} is not a row: -1 (the entry before) is the only number allowed; name the row instead",
        )
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise LayerError("type", f"{key} must be a row name, got {value!r}")
    return str(value)


def _merger(kind: str) -> Any:
    def combine(args: Args, shapes: list[Shape], fields: list[ReceptiveField], labels: list[str]) -> Outcome:
        shape = merged_shape(kind, list(zip(labels, shapes)))
        if kind == "concat":
            how = f"C: {' + '.join(str(s[0]) for s in shapes)} = {shape[0]} (concatenated)"
        else:
            how = f"{' and '.join(labels)}: {'added' if kind == 'add' else 'multiplied'} element-wise"
        return Outcome(shape=shape, rf=widest(fields, shape[1:] if len(shape) > 1 else None), explain=(how, *NO_COUNTS))

    return combine


def _unused(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    raise AssertionError("a merge is evaluated by its combine function")


for _kind, _summary in (
    ("concat", "concatenation along channels"),
    ("add", "elementwise sum"),
    ("mul", "elementwise product, broadcasting size-1 dimensions"),
):
    register(
        LayerRule(
            _kind,
            _unused,
            {},
            summary=_summary,
            accepts_flat=True,
            combine=_merger(_kind),
            least_inputs=2,
            autograd=Autograd(keeps_factors=_kind == "mul"),  # concat and add keep nothing
        )
    )


def evaluate_crop(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    channels, spatial = spatial_of(shape, "crop")
    if (args["size"] is None) == (args["like"] is None):
        raise LayerError("missing-key", "crop needs exactly one of 'size' and 'like'")
    out = tuple(args["like"]) if args["like"] is not None else per_dim("size", args["size"], len(spatial))
    if len(out) != len(spatial):
        raise LayerError("crop", f"cannot crop a {len(spatial)}-D input to the {len(out)}-D size {shape_text(out)}")
    if any(o > n for o, n in zip(out, spatial)):
        raise LayerError("crop", f"cannot crop {shape_text(spatial)} to the larger {shape_text(out)}")
    align = args["align"]
    offsets = [0 if align == "start" else n - o if align == "end" else (n - o) // 2 for n, o in zip(spatial, out)]
    return Outcome(
        shape=(channels, *out),
        rf=rf.shifted([-offset for offset in offsets], out),
        explain=(
            *per_dimension([f"{n} → {o} from {offset}" for n, o, offset in zip(spatial, out, offsets)]),
            *NO_COUNTS,
        ),
    )


register(
    LayerRule(
        "crop",
        evaluate_crop,
        {
            "size": Arg(counts, None),
            "like": Arg(reference, None, "a row whose spatial size to crop to"),
            "align": Arg(choice(*ALIGNS), "center"),
        },
        summary="spatial crop",
        autograd=Autograd(view=True),  # a slice of its input
    )
)


def evaluate_scale(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    worked = ("shape unchanged", f"params: {shape[0]:,} (one factor per channel)", "MACs: 0")
    return Outcome(shape=shape, rf=rf, params=shape[0], explain=worked)


def _scale_saved(args: Args, in_shape: Shape, out_shape: Shape) -> tuple[Saved, ...]:
    """Its input, only for its factors' gradient (the input's needs the factors alone)."""
    return (Saved("input", 0, needed_for="weights"),)


register(
    LayerRule(
        "scale",
        evaluate_scale,
        {},
        summary="learned per-channel scale (layer scale)",
        accepts_flat=True,
        autograd=Autograd(_scale_saved),
    )
)
