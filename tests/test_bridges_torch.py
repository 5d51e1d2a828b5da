"""`convcalc export --to torch` and `convcalc verify`.

Writing the module needs no torch: those tests run everywhere. Building and
checking it needs torch (2.14.1 checked), and the round trip through ONNX
needs onnx: those skip cleanly without them.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import convcalc
from convcalc.bridges.torch_export import export_torch, export_with_report
from convcalc.bundled import bundled_specs
from convcalc.cli import main

SPECS = sorted(bundled_specs())

GRAPH_SPEC = """
name: graph features
inputs: {image: [3, 32, 32], other: [3, 32, 32]}
blocks:
  double:
    params: {width: null}
    layers:
      - conv: {filters: $width, kernel: 3, padding: 1, activation: relu}
      - conv: {filters: $width, kernel: 3, padding: 1, activation: relu}
  up:
    inputs: [x, skip]
    params: {width: null}
    layers:
      - deconv: {filters: $width, kernel: 2, stride: 2, from: x, name: upconv}
      - crop: {like: upconv, from: skip, name: cropped}
      - concat: {from: [cropped, upconv]}
      - double: {width: $width}
layers:
  - double: {width: 8, name: enc1}
  - maxpool: {kernel: 2}
  - double: {width: 16, name: enc2}
  - up: {width: 8, from: [-1, enc1]}
  - conv: {filters: 8, kernel: 3, padding: 1, name: twin, from: other}
  - conv: {filters: 8, kernel: 3, padding: 1, share: twin, name: again, from: image}
  - scale: {name: gamma}
  - upsample: {like: enc1, from: [maxpool1], mode: bilinear, align_corners: false, name: lifted}
  - mul: {from: [gamma, twin]}
  - add: {from: [-1, lifted]}
  - parallel:
      branches: [[{conv: {filters: 4, kernel: 1}}], [{maxpool: {kernel: 3, stride: 1, padding: 1}}]]
  - residual: {main: [{conv: {filters: 12, kernel: 3, padding: same}}, bn]}
  - pad: {padding: [[1, 0], [0, 2]], mode: reflect}
  - conv: {filters: 6, kernel: [3, 2], padding: [[0, 1], [1, 0]], groups: 2, bias: false}
  - gap
  - flatten
  - fc: {units: 5}
outputs: [fc1, up1]
"""


@pytest.mark.parametrize("stem", SPECS)
def test_every_bundled_spec_exports_as_python_without_torch(stem: str) -> None:
    text = export_torch(Path(bundled_specs()[stem]))
    compile(text, f"{stem}.py", "exec")
    assert "class Model(nn.Module):" in text
    assert "def build() -> Model:" in text


def test_export_needs_no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    result = CliRunner().invoke(main, ["export", "lenet5", "--to", "torch"])
    assert result.exit_code == 0, result.output
    assert "self.C1 = nn.Conv2d(1, 6, kernel_size=5, stride=1, padding=0)" in result.stdout


def test_export_writes_blocks_as_classes_with_the_differing_values_as_arguments() -> None:
    text = export_torch(Path(bundled_specs()["resnet50"]))
    assert "class Bottleneck(nn.Module):" in text
    assert "self.layer2_0 = Bottleneck(" in text
    assert re.search(r"nn\.Conv2d\(conv1_out_channels, conv1_out_channels, kernel_size=3, stride=conv2_stride,", text)


def test_user_text_cannot_escape_the_docstring() -> None:
    text = export_torch({"name": 'x"""\nimport os  # \\', "input": [3, 8, 8], "layers": ["relu"]})
    compile(text, "m.py", "exec")
    assert "\nimport os" not in text


def test_verify_without_torch_says_what_to_install_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    result = CliRunner().invoke(main, ["verify", "lenet5"])
    assert result.exit_code == 2
    assert "needs the torch package" in result.stderr and "pip install" in result.stderr


# ----- with torch --------------------------------------------------------------------


def _torch():  # type: ignore[no-untyped-def]
    return pytest.importorskip("torch", reason="torch is not installed")


@pytest.mark.parametrize("stem", SPECS)
def test_every_bundled_spec_verifies_against_pytorch(stem: str) -> None:
    _torch()
    from convcalc.bridges.verify import verify

    result = verify(Path(bundled_specs()[stem]))
    assert result.differences == []
    report = convcalc.analyze(Path(bundled_specs()[stem]))
    assert (result.params, result.macs) == (report.totals.params, report.totals.macs)
    assert result.rows_checked + result.rows_shared > 0


def test_the_module_builds_with_real_weights_and_gives_the_output_shape(tmp_path: Path) -> None:
    torch = _torch()
    text, report = export_with_report(Path(bundled_specs()["googlenet"]))
    namespace: dict[str, object] = {}
    exec(compile(text, "googlenet.py", "exec"), namespace)
    model = namespace["build"]().eval()  # type: ignore[operator]
    assert sum(p.numel() for p in model.parameters()) == report.totals.params
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, *report.input_shape)).shape[1:]) == report.output_shape


def test_graph_features_verify() -> None:
    """References, merges, crop, upsample like, share, scale, several inputs and outputs."""
    _torch()
    from convcalc.bridges.verify import verify

    result = verify(GRAPH_SPEC)
    assert [d.format() for d in result.differences] == []
    report = convcalc.analyze(GRAPH_SPEC)
    assert result.params == report.totals.params
    text = export_torch(GRAPH_SPEC)
    assert "self.again" not in text  # the shared conv is called, not made again
    siamese = export_torch(Path(bundled_specs()["siamese"]))
    assert "right_twin = self.left_twin(right)" in siamese  # a shared block use calls the first
    assert "self.twin(" in text.split("def forward(self, image")[1]


def test_a_changed_stride_makes_verify_name_the_first_differing_row(tmp_path: Path) -> None:
    _torch()
    text = export_torch(Path(bundled_specs()["resnet18"]))
    line = "self.residual1_main_conv1 = nn.Conv2d(conv1_in_channels, conv1_out_channels, kernel_size=3, stride=2,"
    changed = text.replace(line, line.replace("stride=2", "stride=1"))
    assert changed != text
    module = tmp_path / "resnet18.py"
    module.write_text(changed)
    result = CliRunner().invoke(main, ["verify", "resnet18", "--module", str(module)])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == "layer2.0/residual1/main/conv1: output shape: convcalc 128×28×28, PyTorch 128×56×56"
    assert "the first at layer2.0/residual1/main/conv1" in result.stderr


def test_verify_passes_at_the_command_line() -> None:
    _torch()
    result = CliRunner().invoke(main, ["verify", "squeezenet1_0"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verify: OK: 1,248,424 parameters, 818,924,576 MACs")


@pytest.mark.parametrize("stem", ["resnet18", "googlenet", "squeezenet1_0"])
def test_round_trip_spec_to_torch_to_onnx_to_spec_keeps_the_numbers(stem: str, tmp_path: Path) -> None:
    torch = _torch()
    pytest.importorskip("onnx", reason="onnx is not installed")
    from convcalc.bridges.importing import import_onnx
    from convcalc.bridges.spec_text import write_spec

    text, report = export_with_report(Path(bundled_specs()[stem]))
    namespace: dict[str, object] = {}
    exec(compile(text, f"{stem}.py", "exec"), namespace)
    model = namespace["build"]().eval()  # type: ignore[operator]
    path = tmp_path / f"{stem}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(1, *report.input_shape),),
            str(path),
            dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE,
        )
    again = convcalc.analyze(write_spec(import_onnx(str(path))))
    assert (again.totals.params, again.totals.macs, again.output_shape) == (
        report.totals.params,
        report.totals.macs,
        report.output_shape,
    )
    counted = ("conv", "bn", "fc", "maxpool")
    assert sorted(row.type for row in again.rows if row.type in counted) == sorted(
        row.type for row in report.rows if row.type in counted
    )


def test_random_small_networks_verify() -> None:
    """Random conv/deconv/pool stacks (uneven padding, dilation, groups, ceil mode): the exported
    module agrees with convcalc on every row, or convcalc refuses the spec."""
    _torch()
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from convcalc.bridges.verify import verify
    from convcalc.errors import SpecError

    pads = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)).map(lambda p: [list(p), list(p)]))
    conv = st.fixed_dictionaries(
        {
            "filters": st.sampled_from([2, 4, 6]),
            "kernel": st.integers(1, 3),
            "stride": st.integers(1, 2),
            "padding": pads,
            "dilation": st.integers(1, 2),
            "groups": st.sampled_from([1, 2]),
            "bias": st.booleans(),
        }
    ).map(lambda a: {"conv": a})
    deconv = st.fixed_dictionaries(
        {"filters": st.sampled_from([2, 4]), "kernel": st.integers(1, 3), "stride": st.integers(1, 2), "padding": st.integers(0, 1)}
    ).map(lambda a: {"deconv": a})
    pool = st.fixed_dictionaries(
        {
            "kernel": st.integers(2, 3),
            "stride": st.integers(1, 2),
            "padding": st.integers(0, 1),
            "ceil_mode": st.booleans(),
        }
    ).flatmap(lambda a: st.sampled_from([{"maxpool": a}, {"avgpool": a}]))
    simple = st.sampled_from(["relu", "bn", "hardswish", {"dropout": {"rate": 0.1}}])
    layers = st.lists(st.one_of(conv, deconv, pool, simple), min_size=1, max_size=4)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(channels=st.sampled_from([2, 4]), size=st.integers(6, 14), body=layers)
    def check(channels: int, size: int, body: list) -> None:  # type: ignore[type-arg]
        spec = {"input": [channels, size, size], "layers": [*body, "gap", "flatten", {"fc": {"units": 3}}]}
        try:
            convcalc.analyze(spec)
        except SpecError:
            assume(False)
        result = verify(spec)
        assert [d.format() for d in result.differences] == []

    check()
