"""ONNX graph → spec: every supported op mapped to its layer type, with references.

The only module that imports ``onnx`` (and numpy, which onnx brings).

How a graph is read:
- Static shapes come from ONNX shape inference on the file's input size
  (or the size given with ``input_shape``); the batch dimension is dropped.
- Initializers are parameters. ``Identity`` nodes over initializers are
  followed (torch.onnx shares equal initializers, e.g. every BN's ones and
  zeros with ``weights=None``, behind ``Identity``): each layer counts its
  own parameters whatever tensor holds them.
- Nodes whose inputs are all known at import (initializers, ``Constant``,
  ``Shape`` of a tensor of known shape) are evaluated, not rows: the
  ``Shape → Gather → Concat`` chains that compute a ``Resize`` size or a
  ``Reshape`` target, or a zero bias built with ``Expand``. A tensor so
  computed is not a parameter (a conv whose bias is computed has
  ``bias: false``).
- Every other node is one row (``Identity`` and ``Cast`` of a tensor are
  none), except two pairs read as one layer: ``Sigmoid`` then ``Mul`` by its
  own input is ``silu``; ``MatMul`` by an initializer then ``Add`` of an
  initializer is ``fc`` with a bias.
- An op with no layer type is an :class:`ImportProblem` naming the op, the
  node and the nearest supported type.
"""

from __future__ import annotations

import os
from math import prod
from typing import Any

from ..errors import SpecError
from . import require
from .imported import Imported, Layer, assign_names, row_name

NEAREST = {
    "LayerNormalization": "layernorm (over channels; ONNX normalizes the last axes)",
    "InstanceNormalization": "groupnorm",
    "Transpose": "flatten or tokens (convcalc has no general transpose)",
    "Einsum": "fc",
    "Attention": "attention",
    "MultiHeadAttention": "attention",
    "Split": "slice",
    "Slice": "slice",
    "Gather": "slice",
    "Sub": "add",
    "Div": "mul",
    "Max": "maxpool",
    "ReduceMax": "globalmaxpool",
    "Erf": "gelu",
    "Softplus": "silu",
    "Mish": "silu",
    "DepthToSpace": "upsample",
    "SpaceToDepth": "conv",
    "LSTM": "fc",
    "GRU": "fc",
    "RNN": "fc",
    "LpNormalization": "layernorm",
    "LogSoftmax": "softmax",
    "Tile": "upsample",
}


MAX_FOLDS = 8
"""Rounds of constant evaluation and shape inference (each round learns something, or stops)."""


class ImportProblem(SpecError):
    """A model convcalc can't represent (exit status 1)."""


def _problem(file: str, code: str, node: str, message: str) -> ImportProblem:
    error = SpecError.at(code, message, file=file, row=row_name(node) if node else "")
    return ImportProblem(error.diagnostic)


def _per_dim(values: list[int]) -> int | list[int]:
    return values[0] if values and all(v == values[0] for v in values) else list(values)


def _padding(pads: list[int], ndim: int) -> Any:
    """ONNX ``pads`` ``[b1..bn, e1..en]`` as a spec's padding."""
    if not pads:
        return 0
    lo, hi = pads[:ndim], pads[ndim:]
    if lo == hi:
        return _per_dim(lo)
    return [[a, b] for a, b in zip(lo, hi)]


class _Reader:
    def __init__(self, model: Any, file: str) -> None:
        self.onnx = require("onnx", "convcalc import of an ONNX file")
        import numpy

        self.np = numpy
        self.model = model
        self.file = file
        self.graph = model.graph
        self.const: dict[str, Any] = {}
        """Tensors known at import: initializers, Constant outputs, values computed from them."""
        self.stored: set[str] = set()
        """Tensors the file stores (initializers, Constant nodes, and Identity of them): parameters."""
        self.data: dict[str, Layer | str] = {}
        """Tensors computed at run time → the layer (or network input) that makes them."""
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.layers: list[Layer] = []
        self.consumers: dict[str, int] = {}
        self.notes: list[str] = []
        self.fused_bn = False
        self.classes: dict[tuple[str, ...], str] = {}
        self.folded: set[int] = set()
        """Indices of the nodes evaluated at import."""

    # ----- tensors ---------------------------------------------------------------

    def read_shapes(self, graph: Any) -> None:
        infos = [*graph.value_info, *graph.input, *graph.output]
        for info in infos:
            tensor = info.type.tensor_type
            if not tensor.HasField("shape"):
                continue
            dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
            if info.name not in self.shapes or -1 in self.shapes[info.name]:
                self.shapes[info.name] = dims
        for init in graph.initializer:
            self.shapes[init.name] = tuple(init.dims)

    def fold_constants(self) -> None:
        """Evaluate every node whose inputs are known at import, and infer shapes again with
        the results written in as initializers, until nothing more is learnt (a ``Pad`` whose
        pads are computed has no inferred output shape until its pads are known)."""
        onnx = self.onnx
        for init in self.graph.initializer:
            self.const[init.name] = onnx.numpy_helper.to_array(init)
            self.stored.add(init.name)
        model = self.model
        for _ in range(MAX_FOLDS):
            try:
                inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
            except Exception as exc:
                raise _problem(self.file, "import", "", f"ONNX shape inference failed: {exc}") from None
            self.read_shapes(inferred.graph)
            learnt = False
            for index, node in enumerate(self.graph.node):
                if index not in self.folded and self.constant(node):
                    self.folded.add(index)
                    learnt = True
            if not learnt:
                break
            model = onnx.ModelProto()
            model.CopyFrom(self.model)
            del model.graph.node[:]
            model.graph.node.extend(n for i, n in enumerate(self.graph.node) if i not in self.folded)
            needed = {t for n in model.graph.node for t in n.input}
            have = {i.name for i in model.graph.initializer}
            model.graph.initializer.extend(
                onnx.numpy_helper.from_array(self.np.asarray(value), name)
                for name, value in self.const.items()
                if name in needed and name not in have
            )

    def constant(self, node: Any) -> bool:
        """Evaluate the node if its inputs are known; True when it was."""
        op = node.op_type
        present = [t for t in node.input if t]
        if op == "Shape" and present[0] not in self.const:
            known = self.shapes.get(present[0])
            if known is None or -1 in known:
                return False
            shape = self.np.array(known, dtype=self.np.int64)
            attrs = self.attrs(node)
            self.const[node.output[0]] = shape[attrs.get("start", 0) : attrs.get("end", len(shape))]
            return True
        if op == "CastLike" and present[0] in self.const:
            self.const[node.output[0]] = self.const[present[0]]  # cast like a run-time tensor: still known
            return True
        if op == "Constant" or (present and all(t in self.const for t in present)):
            self.evaluate(node)
            return True
        return False

    def shape(self, name: str, node: Any) -> tuple[int, ...]:
        shape = self.shapes.get(name)
        if shape is None or any(d < 0 for d in shape):
            raise _problem(
                self.file,
                "import",
                node.name,
                f"the shape of tensor {name!r} (read by {node.op_type} node {node.name!r}) is not known statically; "
                "export the model with a fixed input size",
            )
        return shape

    def value(self, name: str, node: Any, what: str) -> Any:
        if name not in self.const:
            raise _problem(
                self.file,
                "import",
                node.name,
                f"{node.op_type} node {node.name!r}: its {what} ({name!r}) must be a constant, but is computed at run time",
            )
        return self.const[name]

    def is_param(self, name: str) -> bool:
        return name in self.stored

    def source(self, name: str, node: Any) -> Layer | str:
        found = self.data.get(name)
        if found is None:
            raise _problem(
                self.file, "import", node.name, f"{node.op_type} node {node.name!r} reads {name!r}, which nothing makes"
            )
        return found

    # ----- the graph ---------------------------------------------------------------

    def run(self, name: str) -> Imported:
        self.fold_constants()
        inputs: dict[str, tuple[int, ...]] = {}
        network_inputs = [i for i in self.graph.input if i.name not in self.const]
        if not network_inputs:
            raise _problem(self.file, "import", "", "the graph has no input")
        for index, info in enumerate(network_inputs):
            shape = self.shapes.get(info.name, ())
            if len(shape) < 2 or any(d < 1 for d in shape[1:]):
                raise _problem(
                    self.file,
                    "import",
                    "",
                    f"input {info.name!r} has no fixed size ({list(shape)}); give one with --input, e.g. 3x224x224",
                )
            label = "input" if len(network_inputs) == 1 else row_name(info.name)
            if index == 0 and len(network_inputs) > 1:
                label = row_name(info.name)
            inputs[label] = shape[1:]
            self.data[info.name] = label
        for node in self.graph.node:
            for tensor in node.input:
                if tensor:
                    self.consumers[tensor] = self.consumers.get(tensor, 0) + 1
        for output in self.graph.output:
            self.consumers[output.name] = self.consumers.get(output.name, 0) + 1
        for index, node in enumerate(self.graph.node):
            if index not in self.folded:
                self.read_node(node)
        outputs: list[Layer | str] = []
        for output in self.graph.output:
            if output.name not in self.data:
                raise _problem(self.file, "import", "", f"output {output.name!r} is a constant, not computed from the input")
            outputs.append(self.data[output.name])
        self.check_folded_norms()
        taken = set(inputs)
        assign_names(self.layers, taken)
        producer = self.model.producer_name + (f" {self.model.producer_version}" if self.model.producer_version else "")
        opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in self.model.opset_import)
        origin = f"{os.path.basename(self.file)} (producer: {producer or 'unknown'}; opset: {opsets})"
        imported = Imported(name, origin, inputs, self.layers, outputs, self.notes)
        imported.classes = self.classes
        return imported

    def read_node(self, node: Any) -> None:
        op = node.op_type
        present = [t for t in node.input if t]
        if op == "Shape":
            self.shape(present[0], node)  # unknown: says so
        if op in ("Identity", "Cast", "CastLike") and present[0] in self.data:
            self.data[node.output[0]] = self.data[present[0]]
            return
        handler = getattr(self, f"op_{op}", None)
        if handler is None or node.domain not in ("", "ai.onnx"):
            self.unsupported(node)
        try:
            handler(node, self.attrs(node))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
            raise _problem(
                self.file, "import", node.name or op, f"{op} node {node.name!r} is malformed ({type(exc).__name__}: {exc})"
            ) from None

    def evaluate(self, node: Any) -> None:
        from onnx.reference import ReferenceEvaluator

        if node.op_type == "Identity" and node.input[0] in self.stored:
            self.stored.add(node.output[0])
        if node.op_type == "Constant":
            self.stored.add(node.output[0])
        feeds = {t: self.const[t] for t in node.input if t}
        try:
            results = ReferenceEvaluator(node).run(None, feeds)
        except Exception as exc:  # onnx's evaluator raises many kinds
            raise _problem(
                self.file, "import", node.name, f"cannot evaluate constant {node.op_type} node {node.name!r}: {exc}"
            ) from None
        for name, value in zip(node.output, results):
            if name:
                self.const[name] = self.np.asarray(value)

    def attrs(self, node: Any) -> dict[str, Any]:
        helper = self.onnx.helper
        values = {}
        for attr in node.attribute:
            value = helper.get_attribute_value(attr)
            values[attr.name] = value.decode() if isinstance(value, bytes) else value
        return values

    def module_of(self, node: Any) -> tuple[str, ...]:
        """The module path of the PyTorch module that made the node, if the exporter recorded it.

        torch.onnx's TorchScript exporter names nodes ``/layer1/layer1.0/conv1/Conv``; the dynamo
        exporter keeps ``pkg.torch.onnx.name_scopes`` (``['', 'layer1', 'layer1.0', 'layer1.0.conv1',
        'conv2d']``) in the node's metadata.
        """
        meta = {prop.key: prop.value for prop in node.metadata_props}
        scopes: list[str] = []
        classes: list[str] = []
        if "pkg.torch.onnx.name_scopes" in meta:
            import ast

            try:
                scopes = list(ast.literal_eval(meta["pkg.torch.onnx.name_scopes"]))[:-1]
                classes = list(ast.literal_eval(meta.get("pkg.torch.onnx.class_hierarchy", "[]")))[:-1]
            except (ValueError, SyntaxError):
                scopes, classes = [], []
        elif node.name.startswith("/"):
            scopes = node.name.split("/")[1:-1]
        parts: list[str] = []
        previous = ""
        for index, scope in enumerate(scopes):
            if not scope:
                continue
            relative = scope[len(previous) + 1 :] if previous and scope.startswith(previous + ".") else scope
            parts.extend(p for p in relative.split(".") if p)
            previous = scope
            if index < len(classes):
                self.classes.setdefault(tuple(parts), classes[index].rsplit(".", 1)[-1])
        return tuple(parts)

    def add(self, node: Any, type: str, args: dict[str, Any], inputs: list[str] | None = None) -> Layer:
        names = inputs if inputs is not None else [next(t for t in node.input if t)]
        sources = [self.source(t, node) for t in names]
        layer = Layer(type, args, sources, self.module_of(node), node.name or node.op_type)
        self.layers.append(layer)
        self.data[node.output[0]] = layer
        for name in node.output:
            self.shapes.setdefault(name, self.shapes.get(node.output[0], ()))
        return layer

    def unsupported(self, node: Any, reason: str = "") -> None:
        from ..args import suggest

        op = node.op_type
        nearest = NEAREST.get(op)
        if nearest is None:
            hint = suggest(op, [name[3:] for name in dir(self) if name.startswith("op_")])
            nearest = hint[len("did you mean ") : -1].strip("'") if hint else "none"
        detail = f": {reason}" if reason else " has no convcalc layer type"
        raise _problem(
            self.file,
            "unsupported-op",
            node.name or op,
            f"ONNX op {op} (node {node.name!r}){detail} (nearest supported type: {nearest})",
        )

    def check_folded_norms(self) -> None:
        ops = {node.op_type for node in self.graph.node}
        convs = [n for n in self.graph.node if n.op_type == "Conv"]
        if self.fused_bn:
            self.notes.append(
                "batch norm was folded into the convolutions by the exporter (onnxscript's FuseBatchNormIntoConv): "
                "the counts are those of the folded convolutions, with biases and without norms; export with "
                "torch.onnx.export(..., optimize=False) to keep the norms"
            )
        elif (
            convs
            and "BatchNormalization" not in ops
            and all(len([t for t in n.input if t]) == 3 for n in convs)
            and self.model.producer_name == "pytorch"
        ):
            self.notes.append(
                "no BatchNormalization node and every convolution has a bias: batch norm looks folded into the "
                "convolutions (torch.onnx does so in eval mode); export with "
                "training=torch.onnx.TrainingMode.PRESERVE to keep the norms"
            )

    # ----- ops -------------------------------------------------------------------

    def weight(self, node: Any, index: int) -> Any:
        name = node.input[index]
        value = self.value(name, node, "weight")
        if not self.is_param(name):
            raise _problem(
                self.file,
                "import",
                node.name,
                f"{node.op_type} node {node.name!r}: its weight {name!r} is computed, not stored in the file",
            )
        return value

    def has_bias(self, node: Any, index: int) -> bool:
        return len(node.input) > index and bool(node.input[index]) and self.is_param(node.input[index])

    def window_args(self, node: Any, attrs: dict[str, Any], kernel: list[int]) -> dict[str, Any]:
        ndim = len(kernel)
        args: dict[str, Any] = {}
        strides = list(attrs.get("strides", [1] * ndim))
        auto = attrs.get("auto_pad", "NOTSET")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            spatial = self.shape(node.input[0], node)[2:]
            dilations = list(attrs.get("dilations", [1] * ndim))
            pads_lo, pads_hi = [], []
            for n, k, s, d in zip(spatial, kernel, strides, dilations):
                total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
                small, large = total // 2, total - total // 2
                pads_lo.append(small if auto == "SAME_UPPER" else large)
                pads_hi.append(large if auto == "SAME_UPPER" else small)
            padding = _padding(pads_lo + pads_hi, ndim)
        elif auto == "VALID":
            padding = 0
        else:
            padding = _padding(list(attrs.get("pads", [])), ndim)
        args["kernel"] = _per_dim(kernel)
        args["stride"] = _per_dim(strides)
        if padding != 0:
            args["padding"] = padding
        dilations = list(attrs.get("dilations", []))
        if dilations and any(d != 1 for d in dilations):
            args["dilation"] = _per_dim(dilations)
        return args

    def op_Conv(self, node: Any, attrs: dict[str, Any]) -> None:
        weight = self.weight(node, 1)
        kernel = list(attrs.get("kernel_shape", weight.shape[2:]))
        args: dict[str, Any] = {"filters": int(weight.shape[0]), **self.window_args(node, attrs, kernel)}
        if args["stride"] == 1:
            del args["stride"]
        group = attrs.get("group", 1)
        if group != 1:
            channels = self.shape(node.input[0], node)[1]
            args["groups"] = "depthwise" if group == channels and group > 1 else group
        if not self.has_bias(node, 2):
            args["bias"] = False
        if any("FuseBatchNormIntoConv" in p.value for p in node.metadata_props if p.key.endswith("rule_name")):
            self.fused_bn = True
        self.add(node, "conv", args)

    def op_ConvTranspose(self, node: Any, attrs: dict[str, Any]) -> None:
        weight = self.weight(node, 1)
        group = attrs.get("group", 1)
        kernel = list(attrs.get("kernel_shape", weight.shape[2:]))
        if "output_shape" in attrs and "pads" not in attrs:
            self.unsupported(node, "output_shape without pads")
        if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            self.unsupported(node, f"auto_pad {attrs['auto_pad']}")
        args: dict[str, Any] = {"filters": int(weight.shape[1]) * group, **self.window_args(node, attrs, kernel)}
        output_padding = list(attrs.get("output_padding", []))
        if any(output_padding):
            args["output_padding"] = _per_dim(output_padding)
        if group != 1:
            args["groups"] = group
        if not self.has_bias(node, 2):
            args["bias"] = False
        self.add(node, "deconv", args)

    def op_Gemm(self, node: Any, attrs: dict[str, Any]) -> None:
        if attrs.get("transA", 0):
            self.unsupported(node, "transA=1 (a transposed input)")
        weight = self.weight(node, 1)
        units = int(weight.shape[0] if attrs.get("transB", 0) else weight.shape[1])
        args: dict[str, Any] = {"units": units}
        if not self.has_bias(node, 2):
            args["bias"] = False
        self.add(node, "fc", args)

    def op_MatMul(self, node: Any, attrs: dict[str, Any]) -> None:
        if node.input[1] not in self.stored or len(self.shape(node.input[0], node)) != 2:
            self.unsupported(node, "only a flat input times a stored weight matrix is an fc layer")
        weight = self.weight(node, 1)
        self.add(node, "fc", {"units": int(weight.shape[1]), "bias": False})

    def op_BatchNormalization(self, node: Any, attrs: dict[str, Any]) -> None:
        args: dict[str, Any] = {}
        eps = attrs.get("epsilon", 1e-5)
        if abs(eps - 1e-5) > 1e-12:
            args["eps"] = float(f"{eps:.6g}")
        if not self.is_param(node.input[1]):
            args["affine"] = False
        self.add(node, "bn", args)

    def op_GroupNormalization(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "groupnorm", {"groups": attrs["num_groups"]})

    def op_Relu(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "relu", {})

    def op_Sigmoid(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "sigmoid", {})

    def op_Tanh(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "tanh", {})

    def op_HardSigmoid(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "hardsigmoid", {})

    def op_HardSwish(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "hardswish", {})

    def op_LeakyRelu(self, node: Any, attrs: dict[str, Any]) -> None:
        slope = attrs.get("alpha", 0.01)
        self.add(node, "leakyrelu", {} if abs(slope - 0.01) < 1e-9 else {"slope": float(f"{slope:.6g}")})

    def op_Elu(self, node: Any, attrs: dict[str, Any]) -> None:
        alpha = attrs.get("alpha", 1.0)
        self.add(node, "elu", {} if alpha == 1.0 else {"alpha": float(f"{alpha:.6g}")})

    def op_Gelu(self, node: Any, attrs: dict[str, Any]) -> None:
        approximate = attrs.get("approximate", "none")
        self.add(node, "gelu", {} if approximate == "none" else {"approximate": approximate})

    def op_PRelu(self, node: Any, attrs: dict[str, Any]) -> None:
        slope = self.weight(node, 1)
        self.add(node, "prelu", {} if slope.size == 1 else {"shared": False})

    def op_Clip(self, node: Any, attrs: dict[str, Any]) -> None:
        low, high = attrs.get("min"), attrs.get("max")
        if len(node.input) > 1 and node.input[1]:
            low = float(self.value(node.input[1], node, "min"))
        if len(node.input) > 2 and node.input[2]:
            high = float(self.value(node.input[2], node, "max"))
        if low == 0 and high == 6:
            self.add(node, "relu6", {})
        elif low == 0 and (high is None or high == float("inf")):
            self.add(node, "relu", {})
        else:
            self.unsupported(node, f"Clip to [{low}, {high}]: only [0, 6] (relu6) and [0, ∞) (relu) are layers")

    def op_Softmax(self, node: Any, attrs: dict[str, Any]) -> None:
        rank = len(self.shape(node.input[0], node))
        axis = attrs.get("axis", -1 if self.opset() >= 13 else 1)
        axis = axis + rank if axis < 0 else axis
        self.add(node, "softmax", {} if axis == 1 else {"dim": axis})

    def op_Dropout(self, node: Any, attrs: dict[str, Any]) -> None:
        rate = attrs.get("ratio", 0.5)
        if len(node.input) > 1 and node.input[1]:
            rate = float(self.value(node.input[1], node, "ratio"))
        self.add(node, "dropout", {} if rate == 0.5 else {"rate": float(f"{rate:.6g}")})

    def op_LRN(self, node: Any, attrs: dict[str, Any]) -> None:
        args = {"size": attrs["size"]}
        for key, name, default in (("alpha", "alpha", 0.0001), ("beta", "beta", 0.75), ("bias", "k", 1.0)):
            value = attrs.get(key, default)
            if abs(value - default) > 1e-12:
                args[name] = float(f"{value:.6g}")
        self.add(node, "lrn", args)

    def pool(self, node: Any, attrs: dict[str, Any], type: str) -> None:
        kernel = list(attrs["kernel_shape"])
        args = self.window_args(node, attrs, kernel)
        if args["stride"] == args["kernel"]:
            del args["stride"]
        if attrs.get("ceil_mode", 0):
            args["ceil_mode"] = True
        if type == "avgpool" and "dilation" in args:
            self.unsupported(node, "a dilated average pool")
        self.add(node, type, args)

    def op_MaxPool(self, node: Any, attrs: dict[str, Any]) -> None:
        self.pool(node, attrs, "maxpool")

    def op_AveragePool(self, node: Any, attrs: dict[str, Any]) -> None:
        self.pool(node, attrs, "avgpool")

    def op_GlobalAveragePool(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "globalavgpool", {})

    def op_GlobalMaxPool(self, node: Any, attrs: dict[str, Any]) -> None:
        self.add(node, "globalmaxpool", {})

    def op_ReduceMean(self, node: Any, attrs: dict[str, Any]) -> None:
        rank = len(self.shape(node.input[0], node))
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = self.value(node.input[1], node, "axes").tolist()
        axes = sorted(a + rank if a < 0 else a for a in (axes or []))
        if axes != list(range(2, rank)):
            self.unsupported(node, f"a mean over axes {axes}: only over every spatial axis (a global average pool)")
        layer = self.add(node, "globalavgpool", {})
        if not attrs.get("keepdims", 1):
            flat = Layer("flatten", {}, [layer], layer.module, node.name)
            self.layers.append(flat)
            self.data[node.output[0]] = flat

    def reshape(self, node: Any, attrs: dict[str, Any]) -> None:
        before = self.shape(node.input[0], node)
        after = self.shape(node.output[0], node)
        if after == before:
            self.data[node.output[0]] = self.source(node.input[0], node)
        elif len(after) == 2 and after[0] == before[0] and after[1] == prod(before[1:]):
            self.add(node, "flatten", {})
        else:
            self.unsupported(node, f"reshaping {list(before)} to {list(after)}: only flattening is a layer")

    def op_Flatten(self, node: Any, attrs: dict[str, Any]) -> None:
        if attrs.get("axis", 1) != 1:
            self.unsupported(node, f"Flatten at axis {attrs['axis']}: only axis 1 (keep the batch) is a layer")
        self.add(node, "flatten", {})

    op_Reshape = reshape
    op_Squeeze = reshape
    op_Unsqueeze = reshape

    def merge(self, node: Any, type: str) -> None:
        data = [t for t in node.input if t]
        if any(t in self.const for t in data):
            self.unsupported(node, "one operand is a constant")
        self.add(node, type, {}, data)

    def op_Concat(self, node: Any, attrs: dict[str, Any]) -> None:
        rank = len(self.shape(node.output[0], node))
        axis = attrs.get("axis", 1)
        if (axis + rank if axis < 0 else axis) != 1:
            self.unsupported(node, f"Concat along axis {axis}: only along channels (axis 1) is a layer")
        data = [t for t in node.input if t]
        if len(data) == 1:
            self.data[node.output[0]] = self.source(data[0], node)
            return
        self.merge(node, "concat")

    def op_Add(self, node: Any, attrs: dict[str, Any]) -> None:
        a, b = node.input
        if b in self.stored and a in self.data:
            self.add_bias(node, a, b)
        elif a in self.stored and b in self.data:
            self.add_bias(node, b, a)
        else:
            self.merge(node, "add")

    def add_bias(self, node: Any, data: str, bias: str) -> None:
        """``MatMul`` + ``Add`` of a stored vector: an fc layer with a bias."""
        layer = self.data.get(data)
        size = self.const[bias].size
        if (
            isinstance(layer, Layer)
            and layer.type == "fc"
            and layer.args.get("bias") is False
            and self.consumers.get(data, 0) == 1
            and size == layer.args["units"]
        ):
            del layer.args["bias"]
            self.data[node.output[0]] = layer
            return
        self.unsupported(node, "adding a stored tensor is a layer only as the bias of a MatMul (fc)")

    def op_Sum(self, node: Any, attrs: dict[str, Any]) -> None:
        self.merge(node, "add")

    def op_Mul(self, node: Any, attrs: dict[str, Any]) -> None:
        a, b = node.input
        for x, s in ((a, b), (b, a)):
            gate = self.data.get(s)
            if (
                isinstance(gate, Layer)
                and gate.type == "sigmoid"
                and gate.inputs == [self.data.get(x)]
                and self.consumers.get(s, 0) == 1
                and gate is self.layers[-1]
            ):
                gate.type = "silu"
                self.data[node.output[0]] = gate
                return
        for x, s in ((a, b), (b, a)):
            if s in self.stored and x in self.data and self.per_channel(self.const[s], self.shape(x, node)):
                self.add(node, "scale", {}, [x])
                return
        self.merge(node, "mul")

    @staticmethod
    def per_channel(factor: Any, shape: tuple[int, ...]) -> bool:
        """True when ``factor`` broadcasts over ``shape`` as one value per channel (a layer scale)."""
        spatial = len(shape) - 2
        return (
            factor.size == shape[1]
            and factor.ndim >= spatial + 1
            and all(d == 1 for d in factor.shape[factor.ndim - spatial :])
        )

    def op_Pad(self, node: Any, attrs: dict[str, Any]) -> None:
        pads = attrs.get("pads")
        if pads is None:
            pads = self.value(node.input[1], node, "pads").tolist()
        rank = len(pads) // 2
        lo, hi = list(pads[:rank]), list(pads[rank:])
        if lo[:2] != [0, 0] or hi[:2] != [0, 0] or min(pads) < 0:
            self.unsupported(node, "padding the batch or the channels, or cropping: only spatial padding is a layer")
        mode = {"constant": "zeros", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}[
            attrs.get("mode", "constant")
        ]
        args: dict[str, Any] = {"padding": _padding(lo[2:] + hi[2:], rank - 2)}
        if mode != "zeros":
            args["mode"] = mode
        self.add(node, "pad", args)

    def op_Resize(self, node: Any, attrs: dict[str, Any]) -> None:
        before = self.shape(node.input[0], node)
        after = self.shape(node.output[0], node)
        ndim = len(before) - 2
        mode = attrs.get("mode", "nearest")
        transform = attrs.get("coordinate_transformation_mode", "half_pixel")
        scales = None
        if node.op_type == "Upsample" or (len(node.input) > 2 and node.input[2] and not (len(node.input) > 3 and node.input[3])):
            index = 1 if node.op_type == "Upsample" else 2
            if index < len(node.input) and node.input[index] in self.const:
                scales = [float(s) for s in self.const[node.input[index]].tolist()[2:]]
        args: dict[str, Any] = {}
        if scales and all(s == int(s) for s in scales) and [int(b * s) for b, s in zip(before[2:], scales)] == list(after[2:]):
            args["scale"] = _per_dim([int(s) for s in scales])
        else:
            args["size"] = _per_dim(list(after[2:]))
        if mode == "nearest":
            pass
        elif mode == "linear":
            args["mode"] = {1: "linear", 2: "bilinear", 3: "trilinear"}.get(ndim, "linear")
            args["align_corners"] = transform == "align_corners"
        elif mode == "cubic":
            args["mode"] = "bicubic"
            args["align_corners"] = transform == "align_corners"
        self.add(node, "upsample", args)

    op_Upsample = op_Resize

    def opset(self) -> int:
        return max((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")), default=1)


def read_onnx(path: str, input_shape: tuple[int, ...] | None = None, name: str | None = None) -> Imported:
    """Read an ONNX file into an :class:`Imported` model; ``input_shape`` (without the batch)
    fixes the size of a model exported with dynamic axes."""
    onnx = require("onnx", "convcalc import of an ONNX file")
    try:
        model = onnx.load(path)
    except FileNotFoundError:
        raise SpecError.at("file", "no such file", file=path) from None
    except Exception as exc:  # protobuf's DecodeError and friends
        raise SpecError.at("file", f"not a readable ONNX model ({exc.__class__.__name__}: {exc})", file=path) from None
    initializers = {i.name for i in model.graph.initializer}
    if input_shape is not None:
        first = next((i for i in model.graph.input if i.name not in initializers), None)
        if first is not None:
            dims = first.type.tensor_type.shape.dim
            wanted = (1, *input_shape)
            while len(dims) > len(wanted):
                dims.pop()
            while len(dims) < len(wanted):
                dims.add()
            for dim, size in zip(dims, wanted):
                dim.Clear()
                dim.dim_value = size
            del model.graph.value_info[:]
    reader = _Reader(model, path)
    title = name or model.graph.name or os.path.splitext(os.path.basename(path))[0]
    if title in ("main_graph", "torch_jit", "torch-jit-export", ""):
        title = os.path.splitext(os.path.basename(path))[0]
    return reader.run(title)
