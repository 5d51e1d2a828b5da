"""Convolution and transposed convolution.

Counting conventions (docs/metrics.md):
- parameters: ``filters · (C_in/groups) · Πk`` weights, plus ``filters`` biases;
  a transposed conv has ``C_in · (filters/groups) · Πk`` weights.
- MACs: one multiply-accumulate per weight per output position, so
  ``output elements · (C_in/groups) · Πk`` for conv and
  ``input elements · (filters/groups) · Πk`` for a transposed conv (each
  input element is scattered through the kernel). Bias additions are not
  MACs, as the slides and torchvision's figures count.
"""

from __future__ import annotations

from math import prod

from .. import shapes
from ..args import Arg, boolean, count, counts, nonnegatives, numeric_padding, padding, per_dim
from ..errors import LayerError
from ..receptive import ReceptiveField
from .base import Args, Autograd, LayerRule, Outcome, Shape, keeps_input, register, spatial_of
from .window import check_output, check_window_fits, uneven_stride_warning, window_geometry
from .worked import Worked, count_line, per_dimension, window_brief


def _groups(args: Args, c_in: int, filters: int) -> int:
    groups = c_in if args["groups"] == "depthwise" else args["groups"]
    if c_in % groups:
        raise LayerError("groups", f"input channels {c_in} are not divisible by groups {groups}")
    if filters % groups:
        raise LayerError("groups", f"filters {filters} are not divisible by groups {groups}")
    return groups


def _groups_arg(key: str, value: object) -> int | str:
    if value == "depthwise":
        return "depthwise"
    if isinstance(value, str):
        raise LayerError("value", f"{key} must be a positive integer or 'depthwise', got the string {value!r}")
    return count(key, value)


def _activation_arg(key: str, value: object) -> object:
    return value  # checked by the reader, which turns it into its own row


CONV_ARGS = {
    "filters": Arg(count),
    "kernel": Arg(counts),
    "stride": Arg(counts, 1),
    "padding": Arg(padding, 0),
    "dilation": Arg(counts, 1),
    "groups": Arg(_groups_arg, 1),
    "bias": Arg(boolean, True),
    "activation": Arg(_activation_arg, None),
}


def evaluate_conv(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    c_in, spatial = spatial_of(shape, "conv")
    filters = args["filters"]
    groups = _groups(args, c_in, filters)
    kernels, strides, dilations, pads = window_geometry(args, spatial)
    check_window_fits(spatial, kernels, dilations, pads)
    out = tuple(
        shapes.conv_output(n, k, s, lo, hi, d)
        for n, k, s, d, (lo, hi) in zip(spatial, kernels, strides, dilations, pads)
    )

    def sizes() -> tuple[str, ...]:
        return tuple(
            shapes.floored_formula(n, k, s, lo, hi, d)
            for n, k, s, d, (lo, hi) in zip(spatial, kernels, strides, dilations, pads)
        )

    if min(out) < 1:
        check_output(out, sizes()[0])
    per_filter = (c_in // groups) * prod(kernels)

    def formulas() -> tuple[str, ...]:
        weights = [*kernels, c_in // groups]
        if args["bias"]:
            params = count_line("params", weights, bias_units=filters)
        else:
            params = count_line("params", [*weights, filters])
        return (*per_dimension(sizes()), params, count_line("MACs", [*out, filters, *weights]))

    warning = uneven_stride_warning(spatial, kernels, strides, dilations, pads)
    return Outcome(
        shape=(filters, *out),
        rf=rf.window(
            [shapes.effective_kernel(k, d) for k, d in zip(kernels, dilations)], strides, [p[0] for p in pads], out
        ),
        params=filters * per_filter + (filters if args["bias"] else 0),
        macs=filters * prod(out) * per_filter,
        warnings=(warning,) if warning else (),
        explain=Worked(formulas, lambda: _brief(window_brief(kernels, strides, pads, dilations), groups, c_in)),
    )


def _brief(window: str, groups: int, c_in: int) -> str:
    if groups == 1:
        return window
    return f"{window} {'depthwise' if groups == c_in else f'groups {groups}'}"


CONV_AUTOGRAD = Autograd(keeps_input, weight_products=True)
"""Its input, whether or not it is trained (PyTorch keeps it for either gradient)."""

register(
    LayerRule(
        "conv",
        evaluate_conv,
        CONV_ARGS,
        summary="convolution",
        takes_activation=True,
        autograd=CONV_AUTOGRAD,
    )
)


DECONV_ARGS = {
    **CONV_ARGS,
    "padding": Arg(numeric_padding, 0),
    "output_padding": Arg(nonnegatives, 0),
}


def evaluate_deconv(args: Args, shape: Shape, rf: ReceptiveField) -> Outcome:
    c_in, spatial = spatial_of(shape, "deconv")
    filters = args["filters"]
    groups = _groups(args, c_in, filters)
    kernels, strides, dilations, pads = window_geometry(args, spatial)
    extra = per_dim("output_padding", args["output_padding"], len(spatial))
    for a, s, d in zip(extra, strides, dilations):
        if a >= max(s, d):
            raise LayerError(
                "value", f"output_padding {a} must be smaller than the stride or the dilation ({max(s, d)})"
            )
    out = tuple(
        shapes.transposed_output(n, k, s, lo, hi, d, a)
        for n, k, s, d, (lo, hi), a in zip(spatial, kernels, strides, dilations, pads, extra)
    )
    sizes = tuple(
        shapes.transposed_formula(n, k, s, lo, hi, d, a)
        for n, k, s, d, (lo, hi), a in zip(spatial, kernels, strides, dilations, pads, extra)
    )
    check_output(out, sizes[0])
    weights_per_input = (filters // groups) * prod(kernels)

    def formulas() -> tuple[str, ...]:
        weights = [*kernels, filters // groups, c_in]
        return (
            *per_dimension(sizes),
            count_line("params", weights, plus=filters if args["bias"] else 0),
            count_line("MACs", [*spatial, *weights]),
        )

    return Outcome(
        shape=(filters, *out),
        rf=rf.transposed(kernels, strides, [p[0] for p in pads], out, dilations),
        params=c_in * weights_per_input + (filters if args["bias"] else 0),
        macs=c_in * prod(spatial) * weights_per_input,
        explain=Worked(formulas, lambda: _brief(window_brief(kernels, strides, pads, dilations), groups, c_in)),
    )


register(
    LayerRule(
        "deconv",
        evaluate_deconv,
        DECONV_ARGS,
        aliases=("convtranspose",),
        summary="transposed convolution",
        takes_activation=True,
        autograd=CONV_AUTOGRAD,
    )
)
