"""Spec → a self-contained PyTorch module (source text; generating it needs no torch).

The spec is read into its graph and evaluated (for every row's input shape);
the source then follows the graph:
- one ``nn.Module`` class per block (per distinct structure of its uses: a
  block whose ``if:`` leaves out rows in some uses gets a class per shape),
  with the values that differ between uses as constructor arguments; the
  network is the class ``Model``;
- one attribute per layer row, named after the row's path inside its block
  (``main/conv1`` → ``main_conv1``); ``sequence``, ``parallel`` and
  ``residual`` rows are not modules, their layers belong to the block around;
- ``forward`` computes the nodes in order: references, merges (``torch.cat``,
  ``+``, ``*``), slices and crops are expressions; a row that shares another's
  parameters calls that row's module;
- attention, class and position tokens, a layer scale, a channels-first
  layer norm and a position-wise linear layer are small classes written
  into the file (only those the spec uses);
- ``ROWS`` maps each row path to the module that computes it (what
  ``convcalc verify`` hooks), and ``INPUTS`` gives the input shapes.
A layer with no PyTorch equivalent is an :class:`ExportProblem`.
"""

from __future__ import annotations

import keyword
import os
import re
from math import prod
from typing import Any

from ..errors import SpecError
from ..graph import GROUP, INPUT, Graph, Node
from ..layers.window import window_geometry
from ..merge import merged_shape
from ..report import Report, Row
from .imported import unique

RESERVED = frozenset(
    "self x torch nn F forward training parameters modules children train eval to cuda cpu type float double half "
    "apply state_dict buffers named_modules register_buffer add_module zero_grad requires_grad_ extra_repr "
    "get_submodule input".split()
)
ACTIVATIONS = {
    "relu": "nn.ReLU",
    "relu6": "nn.ReLU6",
    "silu": "nn.SiLU",
    "sigmoid": "nn.Sigmoid",
    "tanh": "nn.Tanh",
    "hardswish": "nn.Hardswish",
    "hardsigmoid": "nn.Hardsigmoid",
    "identity": "nn.Identity",
    "flatten": "nn.Flatten",
}
HELPERS = {
    "layernorm": '''class ChannelLayerNorm(nn.Module):
    """Layer norm over the channels at every position (ConvNeXt's LayerNorm2d; a token's width)."""

    def __init__(self, channels: int, eps: float = 1e-6, affine: bool = True) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=eps, elementwise_affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)
''',
    "scale": '''class Scale(nn.Module):
    """A learned factor per channel (layer scale)."""

    def __init__(self, channels: int, ndim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels, *([1] * ndim)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight
''',
    "token": '''class Tokens(nn.Module):
    """Learned tokens put before a sequence [B, D, N] (ViT's class token)."""

    def __init__(self, width: int, count: int) -> None:
        super().__init__()
        self.tokens = nn.Parameter(torch.zeros(1, width, count))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.tokens.expand(x.shape[0], -1, -1), x], 2)
''',
    "posembed": '''class PositionEmbedding(nn.Module):
    """A learned tensor of the input's shape, added."""

    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(1, *shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.embedding
''',
    "attention": '''class Attention(nn.Module):
    """Multi-head self-attention over the positions of [B, C, *sizes], in windows.

    window: positions per window and dimension (None: one window of every position); grid:
    each window's positions spread n/window apart (MaxViT's grid attention). table: a learned
    relative-position bias per head (Swin). The products are written out (not
    scaled_dot_product_attention) so that torch.utils.flop_counter counts them on any device.
    """

    def __init__(
        self,
        channels: int,
        heads: int,
        head_dim: int,
        window: tuple[int, ...] | None = None,
        grid: bool = False,
        bias: bool = True,
        table: bool = False,
    ) -> None:
        super().__init__()
        self.heads, self.head_dim, self.window, self.grid = heads, head_dim, window, grid
        inner = heads * head_dim
        self.qkv = nn.Linear(channels, 3 * inner, bias=bias)
        self.proj = nn.Linear(inner, channels, bias=bias)
        self.table = None
        if table and window is not None:
            size = 1
            for w in window:
                size *= 2 * w - 1
            self.table = nn.Parameter(torch.zeros(heads, size))
            axes = torch.meshgrid(*[torch.arange(w) for w in window], indexing="ij")
            coords = torch.stack(axes).flatten(1)
            offsets = coords[:, :, None] - coords[:, None, :]
            index = torch.zeros_like(offsets[0])
            for axis, w in enumerate(window):
                index = index * (2 * w - 1) + offsets[axis] + w - 1
            self.register_buffer("index", index, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, *sizes = x.shape
        window = list(self.window or sizes)
        groups = [n // w for n, w in zip(sizes, window)]
        ndim = len(sizes)
        pairs = [v for w, g in zip(window, groups) for v in ((w, g) if self.grid else (g, w))]
        group_axes = [3 + 2 * i if self.grid else 2 + 2 * i for i in range(ndim)]
        window_axes = [2 + 2 * i if self.grid else 3 + 2 * i for i in range(ndim)]
        order = [0, *group_axes, *window_axes, 1]
        positions = 1
        for w in window:
            positions *= w
        t = x.reshape(b, c, *pairs).permute(order).reshape(-1, positions, c)
        qkv = self.qkv(t).reshape(-1, positions, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.head_dim**-0.5, qkv[1], qkv[2]
        scores = q @ k.transpose(-2, -1)
        if self.table is not None:
            scores = scores + self.table[:, self.index]
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(-1, positions, self.heads * self.head_dim)
        y = self.proj(y).reshape(b, *groups, *window, c)
        inverse = [order.index(axis) for axis in range(len(order))]
        return y.permute(inverse).reshape(b, c, *sizes)
''',
}
HELPERS["fc"] = '''class PositionwiseLinear(nn.Linear):
    """A linear layer on the channels at every position of [B, C, *sizes] (a transformer's MLP)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
'''


class ExportProblem(SpecError):
    """A spec convcalc can analyze but not write as PyTorch (exit status 1)."""


def identifier(text: str, taken: set[str]) -> str:
    """A Python name from a row path, unique among ``taken`` (and added to it)."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_") or "layer"
    if name[0].isdigit():
        name = f"m{name}"
    if keyword.iskeyword(name) or name in RESERVED:
        name += "_"
    name = unique(name, taken)
    taken.add(name)
    return name


def _camel(text: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w) or "Block"
    return f"B{name}" if name[0].isdigit() else name


def _compact(values: tuple[int, ...]) -> Any:
    return values[0] if all(v == values[0] for v in values) else tuple(values)


class Member:
    """An attribute of a class: ``self.NAME = CTOR(ARGS)``; ``args``: (keyword or None, value)."""

    def __init__(self, name: str, ctor: str, args: list[tuple[str | None, Any]], row: str) -> None:
        self.name = name
        self.ctor = ctor
        self.args = args
        self.row = row


class Body:
    """One block use or the network, as code: members, forward lines, input names, rows."""

    def __init__(self, kind: str, inputs: list[str]) -> None:
        self.kind = kind
        self.inputs = inputs
        self.members: list[Member] = []
        self.lines: list[str] = []
        self.rows: dict[str, str] = {}
        """Row path (relative) → attribute path inside this body."""
        self.number = -1
        """The class this body is a use of (-1: the network)."""
        self.values: dict[str, Any] = {}
        """This use's constructor arguments."""

    def structure(self) -> tuple[Any, ...]:
        return (
            self.kind,
            tuple(self.inputs),
            tuple((m.name, m.ctor, tuple(k for k, _ in m.args)) for m in self.members),
            tuple(self.lines),
        )


class Exporter:
    def __init__(self, graph: Graph, report: Report, blocks: dict[str, tuple[str, ...]], file: str) -> None:
        self.graph = graph
        self.nodes = graph.nodes
        self.file = file
        self.blocks = set(blocks)
        self.block_inputs = blocks
        self.rows: dict[tuple[str, ...], Row] = {row.path: row for row in report.rows}
        self.classes: list[tuple[str, list[Body]]] = []
        """(class name, the bodies of its uses), inner classes first."""
        self.by_structure: dict[tuple[Any, ...], int] = {}
        self.helpers: set[str] = set()
        self.shapes: dict[int, tuple[int, ...]] = {}

    def fail(self, node: Node, message: str) -> ExportProblem:
        error = SpecError.at("export", message, file=self.file, position=node.position, row="/".join(node.path))
        return ExportProblem(error.diagnostic)

    # ----- shapes ----------------------------------------------------------------

    def shape(self, tensor: int) -> tuple[int, ...]:
        known = self.shapes.get(tensor)
        if known is not None:
            return known
        node = self.nodes[tensor]
        if node.kind == INPUT:
            shape = tuple(node.args["shape"])
        elif node.row:
            shape = self.rows[node.path].output_shape
        else:
            shape = merged_shape(node.type, [(str(i), self.shape(t)) for i, t in enumerate(node.inputs)])
        self.shapes[tensor] = shape
        return shape

    # ----- bodies ----------------------------------------------------------------

    def statements(self, start: int, stop: int) -> list[int]:
        """The nodes that are statements of one body: layers, and block uses (not their insides)."""
        found = []
        index = start
        while index < stop:
            node = self.nodes[index]
            if node.kind == INPUT or (node.kind == GROUP and node.type not in self.blocks):
                index += 1
                continue
            found.append(index)
            index = node.end if node.kind == GROUP else index + 1
        return found

    def body(
        self,
        start: int,
        stop: int,
        prefix: tuple[str, ...],
        inputs: list[int],
        output: list[int],
        kind: str,
        input_labels: tuple[str, ...] = (),
    ) -> Body:
        """The code of the nodes ``start..stop-1``: a block use's inside, or the network."""
        statements = self.statements(start, stop)
        readers: dict[int, list[int]] = {}
        for index in statements:
            node = self.nodes[index]
            for tensor in (*node.inputs, *([node.like] if node.like >= 0 else [])):
                readers.setdefault(tensor, []).append(index)
        following = dict(zip([-1, *statements], [*statements, -2]))

        def name_for(tensor: int, producer: int, label: str) -> str:
            found = readers.get(tensor, [])
            if len(found) == 1 and tensor not in output and found[0] == following[producer]:
                return "x"
            if not found and output == [tensor] and following[producer] == -2:
                return "x"
            return identifier(label or "out", variables)

        taken: set[str] = set()
        variables: set[str] = set()
        names: dict[int, str] = {}
        input_names = []
        labels = list(input_labels) if input_labels else [self.nodes[t].path[-1] for t in inputs]
        for i, tensor in enumerate(inputs):
            label = "inp" if labels[i] == "input" else labels[i]
            if tensor in names:
                input_names.append(identifier(label, variables))
                continue
            names[tensor] = name_for(tensor, -1, label) if len(inputs) == 1 else identifier(label, variables)
            input_names.append(names[tensor])
        body = Body(kind, input_names)
        for index in statements:
            node = self.nodes[index]
            relative = node.path[len(prefix) :]
            label = "_".join(relative)
            if node.kind == GROUP:
                attr, rows = self.use(index, relative, body, taken)
                args = ", ".join(names[t] for t in node.inputs)
                names[node.output] = name_for(node.output, index, label)
                body.lines.append(f"{names[node.output]} = self.{attr}({args})")
                body.rows["/".join(relative)] = attr
                for path, inner in rows.items():
                    body.rows["/".join(relative) + "/" + path] = f"{attr}.{inner}"
                continue
            expression = self.layer(node, relative, body, taken, names)
            names[index] = name_for(index, index, label)
            body.lines.append(f"{names[index]} = {expression}")
        body.lines.append("return " + ", ".join(names[t] for t in output))
        return body

    def nested(self, index: int) -> tuple[str, dict[str, str], Body]:
        """The class of a block use (made on first sight of its structure), its row map and body."""
        node = self.nodes[index]
        labels = self.block_inputs.get(node.type, ("input",))
        body = self.body(index + 1, node.end, node.path, list(node.inputs), [node.output], node.type, labels)
        key = body.structure()
        if key not in self.by_structure:
            name = unique(_camel(node.type), {"Model", *(name for name, _ in self.classes)}, "")
            self.by_structure[key] = len(self.classes)
            self.classes.append((name, []))
        number = self.by_structure[key]
        self.classes[number][1].append(body)
        body.number = number
        return self.classes[number][0], body.rows, body

    def use(self, index: int, relative: tuple[str, ...], body: Body, taken: set[str]) -> tuple[str, dict[str, str]]:
        """The attribute a block use calls (a new member, or the one of the use it shares) and its rows."""
        shared = self._shared_use(index)
        if shared is not None:
            owner = "/".join(shared[len(self.nodes[index].path) - len(relative) :])
            if owner in body.rows:
                attr = body.rows[owner]
                prefix = owner + "/"
                return attr, {
                    path[len(prefix) :]: inner[len(attr) + 1 :]
                    for path, inner in body.rows.items()
                    if path.startswith(prefix)
                }
        cls, rows, nested = self.nested(index)
        attr = identifier("_".join(relative), taken)
        body.members.append(Member(attr, cls, [("__use__", nested)], "/".join(relative)))
        return attr, rows

    def _shared_use(self, index: int) -> tuple[str, ...] | None:
        """The path of the block use whose parameters this use shares (every layer shares)."""
        node = self.nodes[index]
        for inner in range(index + 1, node.end):
            layer = self.nodes[inner]
            if layer.kind == GROUP or not layer.row:
                continue
            if layer.share < 0:
                return None
            for back in range(layer.share, -1, -1):
                group = self.nodes[back]
                if group.kind == GROUP and group.type == node.type and back < layer.share < group.end:
                    return group.path
            return None
        return None

    # ----- layers ----------------------------------------------------------------

    def layer(self, node: Node, relative: tuple[str, ...], body: Body, taken: set[str], names: dict[int, str]) -> str:
        """The expression computing the node; adds its module to the body."""
        ins = [names[t] for t in node.inputs]
        kind = node.type
        args = node.args
        if kind == "concat":
            return f"torch.cat([{', '.join(ins)}], 1)"
        if kind == "add":
            return " + ".join(ins)
        if kind == "mul":
            shapes = [self.shape(t) for t in node.inputs]
            rank = max(len(s) for s in shapes)
            terms = [
                f"{name}[(...,) + (None,) * {rank - 1}]" if len(s) == 1 and rank > 1 else name
                for name, s in zip(ins, shapes)
            ]
            return " * ".join(terms)
        (x,) = ins[:1]
        shape = self.shape(node.inputs[0])
        channels, spatial = shape[0], shape[1:]
        ndim = len(spatial)
        if kind == "tokens":
            return f"{x}.flatten(2)"
        if kind == "reshape":
            size = _spread(args["size"], 1) if not isinstance(args["size"], (tuple, list)) else tuple(args["size"])
            return f"{x}.reshape({x}.shape[0], {channels}, {', '.join(map(str, size))})"
        if kind == "slice":
            start, stop = args["channels"]
            return f"{x}[:, {start}:{stop}]"
        if kind == "chunk":
            return f"{x}.chunk({args['chunks']}, 1)[{args['index']}]"
        if kind == "crop":
            out = self.rows[node.path].output_shape[1:]
            align = args["align"]
            cuts = []
            for n, o in zip(spatial, out):
                offset = 0 if align == "start" else n - o if align == "end" else (n - o) // 2
                cuts.append(f"{offset}:{offset + o}")
            return f"{x}[:, :, {', '.join(cuts)}]"
        if kind == "upsample" and node.like >= 0:
            like = names[node.like]
            extra = f", align_corners={args['align_corners']}" if args["align_corners"] is not None else ""
            return f"F.interpolate({x}, size={like}.shape[2:], mode={args['mode']!r}{extra})"
        row = "/".join(relative)
        if node.share >= 0:
            owner = "/".join(self.nodes[node.share].path[len(node.path) - len(relative) :])
            if owner not in body.rows:
                raise self.fail(node, "shares the parameters of a row outside its block: no PyTorch module to call")
            attr = body.rows[owner]
        else:
            ctor, ctor_args = self.module(node, channels, spatial, ndim)
            attr = identifier("_".join(relative), taken)
            body.members.append(Member(attr, ctor, ctor_args, row))
        body.rows[row] = attr
        if kind == "fc" and len(shape) > 1 and args.get("flatten", True):
            return f"self.{attr}(torch.flatten({x}, 1))"
        return f"self.{attr}({x})"

    def module(self, node: Node, channels: int, spatial: tuple[int, ...], ndim: int) -> tuple[str, list[tuple[str | None, Any]]]:
        kind, args = node.type, node.args
        dim = f"{ndim}d" if ndim else "1d"
        if kind in ACTIVATIONS:
            return ACTIVATIONS[kind], []
        if kind in ("conv", "deconv"):
            kernels, strides, dilations, pads = window_geometry(args, spatial)
            groups = channels if args["groups"] == "depthwise" else args["groups"]
            lows = tuple(lo for lo, _ in pads)
            highs = tuple(hi for _, hi in pads)
            ctor = f"nn.Conv{dim}" if kind == "conv" else f"nn.ConvTranspose{dim}"
            call: list[tuple[str | None, Any]] = [
                (None, channels),
                (None, args["filters"]),
                ("kernel_size", _compact(kernels)),
            ]
            call.append(("stride", _compact(strides)))
            if lows != highs:
                if kind == "deconv":
                    raise self.fail(node, "a transposed convolution with uneven padding has no PyTorch module")
                inner = ", ".join(
                    f"{k}={v!r}" if k else repr(v) for k, v in [*call, *self._conv_tail(args, dilations, groups)]
                )
                torch_pads = tuple(v for lo, hi in reversed(pads) for v in (lo, hi))
                return "nn.Sequential", [
                    (None, _Raw(f"nn.ConstantPad{dim}({torch_pads!r}, 0.0)")),
                    (None, _Raw(f"{ctor}({inner})")),
                ]
            call.append(("padding", _compact(lows)))
            if kind == "deconv" and any(per for per in _spread(args["output_padding"], ndim)):
                call.append(("output_padding", _compact(_spread(args["output_padding"], ndim))))
            return ctor, [*call, *self._conv_tail(args, dilations, groups)]
        if kind in ("maxpool", "avgpool"):
            kernels, strides, dilations, pads = window_geometry(args, spatial)
            lows = tuple(lo for lo, _ in pads)
            if lows != tuple(hi for _, hi in pads):
                raise self.fail(node, "a pool with uneven padding has no PyTorch module")
            call = [("kernel_size", _compact(kernels)), ("stride", _compact(strides)), ("padding", _compact(lows))]
            if kind == "maxpool" and any(d != 1 for d in dilations):
                call.append(("dilation", _compact(dilations)))
            if args["ceil_mode"]:
                call.append(("ceil_mode", True))
            return (f"nn.MaxPool{dim}" if kind == "maxpool" else f"nn.AvgPool{dim}"), call
        if kind in ("globalavgpool", "globalmaxpool"):
            return (f"nn.AdaptiveAvgPool{dim}" if kind == "globalavgpool" else f"nn.AdaptiveMaxPool{dim}"), [(None, 1)]
        if kind in ("adaptiveavgpool", "adaptivemaxpool"):
            output = _compact(_spread(args["output"], ndim))
            return (f"nn.AdaptiveAvgPool{dim}" if kind == "adaptiveavgpool" else f"nn.AdaptiveMaxPool{dim}"), [(None, output)]
        if kind == "fc":
            features = channels if len(spatial) and not args.get("flatten", True) else prod((channels, *spatial))
            call = [(None, features), (None, args["units"])]
            if not args["bias"]:
                call.append(("bias", False))
            if not args.get("flatten", True) and spatial:
                self.helpers.add("fc")
                return "PositionwiseLinear", call
            return "nn.Linear", call
        if kind == "bn":
            call = [(None, channels)]
            for key, default in (("eps", 1e-5), ("momentum", 0.1), ("affine", True), ("track_running_stats", True)):
                if args[key] != default:
                    call.append((key, args[key]))
            return f"nn.BatchNorm{dim if ndim <= 3 else '3d'}", call
        if kind == "layernorm":
            if not spatial:
                return "nn.LayerNorm", [(None, channels), ("eps", args["eps"]), ("elementwise_affine", args["affine"])]
            self.helpers.add("layernorm")
            return "ChannelLayerNorm", [(None, channels), ("eps", args["eps"]), ("affine", args["affine"])]
        if kind == "groupnorm":
            return "nn.GroupNorm", [(None, args["groups"]), (None, channels), ("eps", args["eps"]), ("affine", args["affine"])]
        if kind == "prelu":
            return "nn.PReLU", [(None, 1 if args["shared"] else channels)]
        if kind == "leakyrelu":
            return "nn.LeakyReLU", [(None, args["slope"])]
        if kind == "elu":
            return "nn.ELU", [(None, args["alpha"])]
        if kind == "gelu":
            return "nn.GELU", [] if args["approximate"] == "none" else [("approximate", args["approximate"])]
        if kind == "softmax":
            return "nn.Softmax", [("dim", args["dim"])]
        if kind == "dropout":
            return "nn.Dropout", [("p", args["rate"])]
        if kind == "droppath":
            return "nn.Identity", []  # stochastic depth: the identity at inference, no parameters
        if kind == "lrn":
            return "nn.LocalResponseNorm", [(None, args["size"]), ("alpha", args["alpha"]), ("beta", args["beta"]), ("k", args["k"])]
        if kind == "shuffle":
            return "nn.ChannelShuffle", [(None, args["groups"])]
        if kind == "pad":
            pairs = _pairs(args["padding"], ndim)
            torch_pads = tuple(v for lo, hi in reversed(pairs) for v in (lo, hi))
            mode = args["mode"]
            ctor = {"zeros": "nn.ZeroPad", "reflect": "nn.ReflectionPad", "replicate": "nn.ReplicationPad", "circular": "nn.CircularPad"}[mode]
            return f"{ctor}{dim}", [(None, torch_pads)]
        if kind == "upsample":
            call = []
            if args["size"] is not None:
                call.append(("size", _compact(_spread(args["size"], ndim))))
            else:
                call.append(("scale_factor", _compact(_spread(args["scale"], ndim))))
            call.append(("mode", args["mode"]))
            if args["align_corners"] is not None:
                call.append(("align_corners", args["align_corners"]))
            return "nn.Upsample", call
        if kind == "scale":
            self.helpers.add("scale")
            return "Scale", [(None, channels), (None, ndim)]
        if kind == "token":
            self.helpers.add("token")
            return "Tokens", [(None, channels), (None, args["count"])]
        if kind == "posembed":
            self.helpers.add("posembed")
            return "PositionEmbedding", [(None, v) for v in (channels, *spatial)]
        if kind == "pixelshuffle" or kind == "pixelunshuffle":
            if ndim != 2:
                raise self.fail(node, f"{kind} on a {ndim}-D input has no PyTorch module")
            return ("nn.PixelShuffle" if kind == "pixelshuffle" else "nn.PixelUnshuffle"), [(None, args["factor"])]
        if kind == "attention":
            self.helpers.add("attention")
            head_dim = args["head_dim"] or channels // args["heads"]
            call = [(None, channels), (None, args["heads"]), (None, head_dim)]
            if args["window"] is not None:
                call.append(("window", _spread(args["window"], ndim)))
            if args["mode"] == "grid":
                call.append(("grid", True))
            if not args["bias"]:
                call.append(("bias", False))
            if args["relative_position_bias"]:
                call.append(("table", True))
            return "Attention", call
        raise self.fail(node, f"layer type {kind!r} has no PyTorch module in convcalc's export yet")

    @staticmethod
    def _conv_tail(args: dict[str, Any], dilations: tuple[int, ...], groups: int) -> list[tuple[str | None, Any]]:
        tail: list[tuple[str | None, Any]] = []
        if any(d != 1 for d in dilations):
            tail.append(("dilation", _compact(dilations)))
        if groups != 1:
            tail.append(("groups", groups))
        if not args["bias"]:
            tail.append(("bias", False))
        return tail


class _Raw:
    """Source text written as is (not through repr)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raw) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _doc(text: str) -> str:
    """User text made safe inside a docstring: one line, no backslash escapes, no closing quotes."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def _spread(value: Any, ndim: int) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * ndim


def _pairs(value: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    return tuple(v if isinstance(v, tuple) else (v, v) for v in _spread(value, ndim))


POSITIONAL = {
    "nn.Conv": ("in_channels", "out_channels"),
    "nn.ConvTranspose": ("in_channels", "out_channels"),
    "nn.Linear": ("in_features", "out_features"),
    "PositionwiseLinear": ("in_features", "out_features"),
    "nn.BatchNorm": ("num_features",),
    "nn.GroupNorm": ("num_groups", "num_channels"),
    "nn.PReLU": ("num_parameters",),
    "ChannelLayerNorm": ("channels",),
    "Tokens": ("width", "count"),
    "Attention": ("channels", "heads", "head_dim"),
    "Scale": ("channels", "ndim"),
}


def _argument_name(ctor: str, position: int, keyword: str | None) -> str:
    if keyword:
        return keyword
    for prefix, names in POSITIONAL.items():
        if ctor.startswith(prefix) and position < len(names):
            return names[position]
    return f"arg{position + 1}"


class Source:
    """The module's text: classes for blocks (constructor arguments where uses differ), then Model."""

    def __init__(self, exporter: Exporter, network: Body, report: Report, file: str) -> None:
        self.exporter = exporter
        self.network = network
        self.report = report
        self.file = file
        self.placement: list[dict[tuple[int, int], str]] = []
        self.params: list[list[str]] = []

    def concrete(self, member: Member) -> list[tuple[str | None, Any]]:
        if member.args and member.args[0][0] == "__use__":
            nested: Body = member.args[0][1]
            return [(param, nested.values[param]) for param in self.params[nested.number]]
        return member.args

    def resolve(self) -> None:
        """Each class's constructor parameters: the arguments that differ between its uses."""
        for _, uses in self.exporter.classes:
            first = uses[0]
            table = [[self.concrete(m) for m in use.members] for use in uses]
            taken: set[str] = set()
            columns: dict[tuple[str, ...], str] = {}
            placement: dict[tuple[int, int], str] = {}
            params: list[str] = []
            for i, member in enumerate(first.members):
                for j, (keyword_, _) in enumerate(table[0][i]):
                    column = tuple(repr(row[i][j][1]) for row in table)
                    if len(set(column)) == 1:
                        continue
                    if column not in columns:
                        short = re.sub(r"\W", "_", member.row.rsplit("/", 1)[-1], flags=re.ASCII)
                        columns[column] = identifier(f"{short}_{_argument_name(member.ctor, j, keyword_)}", taken)
                        params.append(columns[column])
                    placement[(i, j)] = columns[column]
            for use, row in zip(uses, table):
                use.values = {param: row[i][j][1] for (i, j), param in placement.items()}
            self.placement.append(placement)
            self.params.append(params)

    def class_text(self, name: str, body: Body, placement: dict[tuple[int, int], str], params: list[str], doc: str) -> list[str]:
        lines = [f"class {name}(nn.Module):", f'    """{doc}"""', ""]
        signature = ", ".join(["self", *params])
        lines.append(f"    def __init__({signature}) -> None:")
        lines.append("        super().__init__()")
        for i, member in enumerate(body.members):
            args = []
            for j, (keyword_, value) in enumerate(self.concrete(member)):
                shown = placement.get((i, j), repr(value))
                args.append(f"{keyword_}={shown}" if keyword_ else shown)
            lines.append(f"        self.{member.name} = {member.ctor}({', '.join(args)})")
        inputs = ", ".join(f"{n}: torch.Tensor" for n in body.inputs)
        result = "torch.Tensor" if not body.lines[-1].count(",") else "tuple[torch.Tensor, ...]"
        lines.append("")
        lines.append(f"    def forward(self, {inputs}) -> {result}:")
        lines.extend(f"        {line}" for line in body.lines)
        return lines

    def text(self) -> str:
        self.resolve()
        report = self.report
        totals = report.totals
        out = [
            f'"""{_doc(report.name)}: PyTorch module written by `convcalc export --to torch` from '
            f"{_doc(os.path.basename(self.file))}.",
            "",
            f"convcalc counts {totals.params:,} parameters and {totals.macs:,} MACs for the input"
            f" {' and '.join('×'.join(map(str, s)) for _, s in report.inputs)};",
            "`convcalc verify` checks both, and every row's output shape, against this module.",
            "Generated: edit the spec, not this file.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import torch",
            "from torch import nn",
            "from torch.nn import functional as F  # noqa: F401",
        ]
        for helper in sorted(self.exporter.helpers):
            out.extend(["", "", HELPERS[helper].rstrip("\n")])
        for number, (name, uses) in enumerate(self.exporter.classes):
            doc = _doc(f"Block {uses[0].kind!r}" + (f" ({len(uses)} uses)." if len(uses) > 1 else "."))
            out.extend(["", ""])
            out.extend(self.class_text(name, uses[0], self.placement[number], self.params[number], doc))
        out.extend(["", ""])
        out.extend(self.class_text("Model", self.network, {}, [], _doc(f"{report.name}.")))
        out.extend(["", ""])
        out.append("ROWS = {")
        out.extend(f"    {path!r}: {attr!r}," for path, attr in self.network.rows.items())
        out.append("}")
        out.append('"""Row path → the module computing it (what `convcalc verify` hooks)."""')
        out.append("")
        out.append(f"INPUTS = {{{', '.join(f'{n!r}: {tuple(s)!r}' for n, s in report.inputs)}}}")
        out.append('"""Input shapes, without the batch."""')
        out.extend(["", "", "def build() -> Model:", "    return Model()", ""])
        return "\n".join(out)


def export_torch(source: Any, file: str | None = None) -> str:
    """PyTorch source for a spec (a path, YAML text or a dict): raises SpecError (or ExportProblem)."""
    return export_with_report(source, file)[0]


def export_with_report(source: Any, file: str | None = None) -> tuple[str, Report]:
    """The PyTorch source and the report it was written from."""
    from .. import load
    from ..engine import analyze_graph
    from ..reader import read_graph

    spec = load(source, file=file)
    graph = read_graph(spec)
    report = analyze_graph(graph)
    exporter = Exporter(graph, report, {name: block.inputs for name, block in spec.blocks.items()}, spec.file)
    network = exporter.body(
        0, len(graph.nodes), (), [t for _, t in graph.inputs], [t for _, t in graph.outputs], "network"
    )
    return Source(exporter, network, report, spec.file).text(), report
