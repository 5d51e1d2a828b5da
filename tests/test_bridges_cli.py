"""The bridge commands at the command line: missing packages, bad files, unsupported ops.

The ONNX models here are built by hand with onnx.helper (no torch needed);
those tests skip where onnx is not installed. A missing package is simulated
by hiding it (``sys.modules[name] = None`` makes ``import name`` fail).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("package", ["onnx"])
def test_import_without_onnx_says_what_to_install_and_exits_2(
    package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, package, None)
    model = tmp_path / "m.onnx"
    model.write_bytes(b"")
    code, out, err = run("import", str(model))
    assert code == 2
    assert out == ""
    assert "pip install 'convcalc[onnx]'" in err


def test_import_torch_without_torch_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    code, _, err = run("import", "--torch", "torchvision.models:resnet18", "--input", "3x224x224")
    assert code == 2
    assert "needs the torch package" in err and "pip install" in err


def test_import_needs_exactly_one_source() -> None:
    code, _, err = run("import")
    assert code == 2
    assert "give an ONNX file, or --torch" in err


def _model(tmp_path: Path, nodes: list, initializers: list, shape: list[int], out: str) -> Path:  # type: ignore[type-arg]
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
        initializers,
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def _weights(name: str, *dims: int):  # type: ignore[no-untyped-def]
    numpy = pytest.importorskip("numpy")
    from onnx import numpy_helper

    return numpy_helper.from_array(numpy.zeros(dims, dtype=numpy.float32), name)


def test_unsupported_op_names_the_op_the_node_and_the_nearest_type(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from onnx import helper

    path = _model(
        tmp_path,
        [
            helper.make_node("Conv", ["x", "w"], ["c"], name="/stem/Conv", kernel_shape=[3, 3]),
            helper.make_node("InstanceNormalization", ["c", "s", "b"], ["y"], name="/norm/InstanceNorm"),
        ],
        [_weights("w", 4, 3, 3, 3), _weights("s", 4), _weights("b", 4)],
        [1, 3, 8, 8],
        "y",
    )
    code, out, err = run("import", str(path))
    assert code == 1
    assert out == ""
    assert err.strip() == (
        f"{path}:0:0: error[unsupported-op]: norm_InstanceNorm: ONNX op InstanceNormalization "
        "(node '/norm/InstanceNorm') has no convcalc layer type (nearest supported type: groupnorm)"
    )


def test_import_writes_a_spec_that_analyzes(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from onnx import helper

    path = _model(
        tmp_path,
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], name="/stem/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["r"], name="/stem/Relu"),
            helper.make_node("MaxPool", ["r"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Flatten", ["p"], ["f"], name="/Flatten"),
            helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="/head/Gemm", transB=1),
        ],
        [_weights("w", 4, 3, 3, 3), _weights("b", 4), _weights("fw", 10, 64), _weights("fb", 10)],
        [1, 3, 8, 8],
        "y",
    )
    spec = tmp_path / "m.yaml"
    code, _, err = run("import", str(path), "-o", str(spec))
    assert code == 0, err
    text = spec.read_text()
    assert "  - conv: {name: stem.conv, filters: 4, kernel: 3, padding: 1}   # /stem/Conv" in text
    assert "  - fc: {name: head, units: 10}   # /head/Gemm" in text
    code, out, _ = run("analyze", str(spec), "--format", "json")
    assert code == 0
    import json

    totals = json.loads(out)["totals"]
    assert totals["params"] == 4 * 27 + 4 + 64 * 10 + 10
    assert totals["macs"] == 4 * 8 * 8 * 27 + 64 * 10


def test_a_file_that_is_not_onnx_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    path = tmp_path / "bad.onnx"
    path.write_text("not a model")
    code, _, err = run("import", str(path))
    assert code == 2
    assert err.startswith(f"{path}:0:0: error[file]: not a readable ONNX model")


def test_a_malformed_node_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from onnx import helper

    path = _model(
        tmp_path,
        [helper.make_node("MaxPool", ["x"], ["y"], name="/pool/MaxPool")],  # no kernel_shape
        [],
        [1, 3, 8, 8],
        "y",
    )
    code, _, err = run("import", str(path))
    assert code == 1
    assert "error[import]: pool_MaxPool: MaxPool node '/pool/MaxPool' is malformed (KeyError" in err
