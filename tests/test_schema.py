"""The JSON Schema of spec format 1 (`convcalc schema`): valid, in step with the
registry, and in agreement with convcalc itself on valid and invalid specs.

Every inline spec here is also given to convcalc: the valid ones must analyze,
the invalid ones must fail, so the schema is checked against the loader and
not against the test writer's reading of the format.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import yaml
from conftest import SPECS

import convcalc
from convcalc.args import Arg, count
from convcalc.layers import CANONICAL, RULES, LayerRule
from convcalc.schema import SchemaError, arg_kind, schema_json, spec_schema
from convcalc.spec import BUDGET_KEYS, COMMON_KEYS, COMPOSITES, DTYPE_BYTES, TOP_LEVEL_KEYS

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = spec_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def spec_text(body: str, head: str = "input: {channels: 4, size: 16}") -> str:
    return head + "\n" + textwrap.dedent(body).strip("\n") + "\n"


def schema_errors(text: str) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(yaml.safe_load(text))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] and SCHEMA["title"] and SCHEMA["description"]


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_bundled_spec_validates(path: Any) -> None:
    assert schema_errors(path.read_text(encoding="utf-8")) == []


VALID = {
    "bare types and null args": """
        layers:
          - relu
          - bn
          - relu:
          - gap
          - flatten
          - fc: {units: 10, activation: none}
        """,
    "conv keys": """
        layers:
          - conv: {filters: 8, kernel: [1, 3], stride: [1, 2], padding: [[0, 1], 1], dilation: 1, groups: 2, bias: false}
          - conv: {filters: 8, kernel: 3, padding: same, groups: depthwise, activation: relu}
          - conv: {filters: 8, kernel: 3, padding: half, activation: {leakyrelu: {slope: 0.2}}}
          - conv: {filters: 8, kernel: 1, padding: valid, activation: null, name: 7}
          - deconv: {filters: 4, kernel: 2, stride: 2, output_padding: 1, padding: [1, 0]}
          - convtranspose: {filters: 4, kernel: 1, name: up}
        """,
    "pools, pads and reshapes": """
        layers:
          - maxpool: {kernel: 2, stride: null, padding: 0, ceil_mode: true, dilation: 1}
          - avgpool: {kernel: 3, stride: 1, padding: full}
          - pad: {padding: [[1, 2], 0], mode: reflect}
          - upsample: {scale: 1.5, mode: bilinear, align_corners: false}
          - upsample: {size: [16, 16]}
          - adaptiveavgpool: {output: [null, 7]}
          - slice: {channels: [0, 2]}
          - chunk: {index: 1, chunks: 2}
          - shuffle: {groups: 1}
          - gelu: {approximate: tanh}
          - softmax: {dim: -1}
          - dropout: {rate: 0.0}
          - lrn: {size: 3, alpha: 0.001}
          - groupnorm: {groups: 1, eps: 0.001, affine: false}
          - bn: {eps: 0.001, momentum: 1, track_running_stats: false, trainable: false}
          - prelu: {shared: false}
        """,
    "composites and common keys": """
        layers:
          - parallel:
              branches: [[], [conv: {filters: 4, kernel: 1}], [{sigmoid: {name: gate}}]]
              merge: null
          - parallel: {branches: [[relu], [globalmaxpool]], merge: mul}
          - residual: {main: [relu]}
          - residual: {main: [conv: {filters: 12, kernel: 1}], shortcut: null, repeat: 2}
          - sequence: {layers: [relu, tanh], repeat: 3, name: stack}
          - sequence: {layers: null}
          - relu: {if: false}
          - relu: {if: 0}
          - relu: {if: "${2 - 1}", name: "${1}"}
        """,
    "blocks and parameters": """
        blocks:
          unit:
            description: a conv and an optional activation
            params: {width: null, act: relu, args: {kernel: 3, padding: 1}, use: true, n: 1}
            layers:
              - conv: {filters: $width, kernel: 1}
              - $act
              - sequence: {layers: [$act], repeat: $n, if: $use}
              - conv: {filters: "${width * 2}", kernel: 3, padding: same, trainable: $use}
              - parallel: {branches: $branches_default, merge: add, if: false}
          plain-block:
            layers: [relu]
          branches_default:
            params: null
            layers: [identity]
        layers:
          - unit: {width: 4, name: u1}
          - unit: {width: 2, act: gelu, repeat: 2, trainable: false}
          - plain-block
          - plain-block:
          - branches_default: {if: true}
        """,
    "budget, dtype and list input": """
        convcalc: 1
        name: 123
        description: null
        dtype: float64
        budget: {params: 25.6M, trainable_params: 1000, macs: "1.2e+9", flops: 2G, activations: 3k,
                 memory: 120MB, peak_memory: 1GiB, output: [4, 16, 16]}
        layers: [relu]
        """,
    "training budget at a batch": """
        budget: {batch: 32, optimizer: momentum, training_memory: 4GB, backward_macs: 300G}
        layers: [relu]
        """,
    "YAML anchors and merge keys": """
        layers:
          - conv: &c3 {filters: 8, kernel: 3, padding: 1}
          - conv: {<<: *c3, filters: 4, name: second}
        """,
}


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_valid_specs_pass_the_schema_and_convcalc(body: str) -> None:
    text = spec_text(body)
    convcalc.analyze(text, file="test.yaml")
    assert schema_errors(text) == []


@pytest.mark.parametrize(
    "head",
    [
        "input: [2, 16]",
        "input: {channels: 2, size: [16]}",
        "input: [1, 4, 8, 8]",
        "input: {channels: 1, size: [4, 8, 8]}",
    ],
)
def test_inputs_of_every_dimension(head: str) -> None:
    text = spec_text(
        "layers: [{conv: {filters: 2, kernel: 1, padding: [[1, 2]]}}]" if "16" in head else "layers: [relu]", head
    )
    convcalc.analyze(text, file="test.yaml")
    assert schema_errors(text) == []


INVALID = {
    "unknown top-level key": ("layer: [relu]\nlayers: [relu]", None),
    "unknown conv key filter": ("layers: [{conv: {filter: 8, kernel: 3}}]", None),
    "filters as a word": ("layers: [{conv: {filters: many, kernel: 3}}]", None),
    "kernel: true": ("layers: [{conv: {filters: 8, kernel: true}}]", None),
    "convcalc: 2": ("convcalc: 2\nlayers: [relu]", None),
    "convcalc: true": ("convcalc: true\nlayers: [relu]", None),
    "input with 5 dims": ("layers: [relu]", "input: [3, 4, 4, 4, 4]"),
    "input size with 4 dims": ("layers: [relu]", "input: {channels: 3, size: [4, 4, 4, 4]}"),
    "input without size": ("layers: [relu]", "input: {channels: 3}"),
    "dtype float8": ("dtype: float8\nlayers: [relu]", None),
    "an entry with two keys": ("layers: [{conv: {filters: 8, kernel: 3}, name: c1}]", None),
    "merge: sum": ("layers: [{parallel: {branches: [[relu], [relu]], merge: sum}}]", None),
    "padding: sometimes": ("layers: [{conv: {filters: 8, kernel: 3, padding: sometimes}}]", None),
    "repeat: 0": ("layers: [{relu: {repeat: 0}}]", None),
    "budget params: lots": ("budget: {params: lots}\nlayers: [relu]", None),
    "budget output 0": ("budget: {output: [0]}\nlayers: [relu]", None),
    "unknown budget key": ("budget: {flop: 1G}\nlayers: [relu]", None),
    "budget batch 0": ("budget: {batch: 0}\nlayers: [relu]", None),
    "budget batch 1.5": ("budget: {batch: 1.5}\nlayers: [relu]", None),
    "budget optimizer lion": ("budget: {optimizer: lion}\nlayers: [relu]", None),
    "bare conv without its required keys": ("layers: [conv]", None),
    "conv without kernel": ("layers: [{conv: {filters: 8}}]", None),
    "groups: 0": ("layers: [{conv: {filters: 8, kernel: 1, groups: 0}}]", None),
    "dropout rate 1": ("layers: [{dropout: {rate: 1}}]", None),
    "bias: yes as a string": ("layers: [{conv: {filters: 8, kernel: 1, bias: 'yes'}}]", None),
    "word padding on pad": ("layers: [{pad: {padding: same}}]", None),
    "a padding triple": ("layers: [{conv: {filters: 8, kernel: 1, padding: [[1, 2, 3]]}}]", None),
    "empty kernel list": ("layers: [{conv: {filters: 8, kernel: []}}]", None),
    "slice with one number": ("layers: [{slice: {channels: [1]}}]", None),
    "upsample mode misspelt": ("layers: [{upsample: {scale: 2, mode: bilinar}}]", None),
    "activation that has parameters": ("layers: [{conv: {filters: 8, kernel: 1, activation: bn}}]", None),
    "residual key misspelt": ("layers: [{residual: {main: [relu], shortcutt: [relu]}}]", None),
    "parallel without branches": ("layers: [{parallel: {branches: []}}]", None),
    "bare sequence": ("layers: [sequence]", None),
    "a number as an entry": ("layers: [5]", None),
    "trainable as an expression": ("layers: [{relu: {trainable: '${1}'}}]", None),
    "a name with a slash": ("layers: [{relu: {name: a/b}}]", None),
    "a block named like a built-in": ("blocks: {conv: {layers: [relu]}}\nlayers: [relu]", None),
    "a block parameter named name": ("blocks: {b: {params: {name: 1}, layers: [relu]}}\nlayers: [b]", None),
    "a block without layers": ("blocks: {b: {params: {x: 1}}}\nlayers: [relu]", None),
    "no layers": ("name: nothing", None),
}


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_invalid_specs_fail_the_schema_and_convcalc(case: tuple[str, str | None]) -> None:
    body, head = case
    text = spec_text(body, head) if head else spec_text(body)
    with pytest.raises(convcalc.SpecError):
        convcalc.analyze(text, file="test.yaml")
    assert schema_errors(text), f"the schema accepts:\n{text}"


def test_draft_07_validators_agree() -> None:
    """yaml-language-server validates with draft-07 rules: the schema uses no keyword that changed."""
    schema = {key: value for key, value in SCHEMA.items() if key != "$schema"}
    jsonschema.Draft7Validator.check_schema(schema)
    draft7 = jsonschema.Draft7Validator(schema)
    for path in sorted(SPECS.glob("*.yaml")):
        assert draft7.is_valid(yaml.safe_load(path.read_text(encoding="utf-8"))), path.name
    for body in VALID.values():
        assert draft7.is_valid(yaml.safe_load(spec_text(body)))
    for name, (body, head) in INVALID.items():
        text = spec_text(body, head) if head else spec_text(body)
        assert not draft7.is_valid(yaml.safe_load(text)), name


def test_booleans_are_not_integers_to_the_validator() -> None:
    assert not VALIDATOR.is_valid({"input": [3, True, 8], "layers": []})
    assert VALIDATOR.is_valid({"input": [3, 8, 8], "layers": []})


def test_every_layer_type_and_alias_has_a_subschema() -> None:
    defs = SCHEMA["$defs"]
    for name, rule in CANONICAL.items():
        layer = defs[f"layer.{name}"]
        body = layer["anyOf"][0]
        assert set(body["properties"]) == set(rule.args) | set(COMMON_KEYS)
        assert body["additionalProperties"] is False
    types = defs["entry"]["anyOf"][1]["properties"]
    assert set(types) == set(RULES) | set(COMPOSITES)
    for name, rule in RULES.items():
        assert types[name] == {"$ref": f"#/$defs/layer.{rule.name}"}
    bare = {option["const"] for option in defs["bare-entry"]["anyOf"] if "const" in option}
    assert "relu" in bare and "swish" in bare and "conv" not in bare and "sequence" not in bare


def test_the_top_level_follows_spec_py() -> None:
    assert list(SCHEMA["properties"]) == list(TOP_LEVEL_KEYS)
    assert SCHEMA["additionalProperties"] is False
    assert SCHEMA["properties"]["dtype"]["enum"] == list(DTYPE_BYTES)
    assert set(SCHEMA["properties"]["budget"]["properties"]) == set(BUDGET_KEYS)


def test_a_new_layer_type_appears_without_editing_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = LayerRule("frobnicate", CANONICAL["relu"].evaluate, {"times": Arg(count)}, aliases=("frob",), summary="test")
    for name in ("frobnicate", "frob"):
        monkeypatch.setitem(RULES, name, rule)
    monkeypatch.setitem(CANONICAL, "frobnicate", rule)
    schema = spec_schema()
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"input": [1, 4, 4], "layers": [{"frob": {"times": 2}}]})
    assert not validator.is_valid({"input": [1, 4, 4], "layers": [{"frob": {"times": 0}}]})
    assert not validator.is_valid({"input": [1, 4, 4], "layers": ["frobnicate"]})  # `times` is required


def test_an_unknown_check_function_fails_loudly() -> None:
    def twice(key: str, value: Any) -> Any:
        return value

    with pytest.raises(SchemaError, match="twice"):
        arg_kind(twice, "frob.times")


def test_block_uses_accept_any_parameters_but_typed_common_keys() -> None:
    base = {"input": [1, 4, 4], "blocks": {"b": {"params": {"x": None}, "layers": ["relu"]}}}
    assert VALIDATOR.is_valid({**base, "layers": [{"b": {"x": [1, 2], "name": "b1"}}]})
    assert not VALIDATOR.is_valid({**base, "layers": [{"b": {"x": 1, "repeat": 0}}]})
    assert not VALIDATOR.is_valid({**base, "layers": [{"b": {"not a name": 1}}]})


def test_the_json_is_deterministic() -> None:
    first = json.dumps(spec_schema(), sort_keys=True)
    assert first == json.dumps(spec_schema(), sort_keys=True)
    assert json.loads(schema_json()) == SCHEMA
    mutated = spec_schema()
    mutated["$defs"]["layer.conv"]["anyOf"][0]["properties"]["kernel"]["anyOf"][0]["$ref"] = "#/$defs/broken"
    assert json.dumps(spec_schema(), sort_keys=True) == first  # no state shared between calls
    outputs = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", "import sys, convcalc.schema as s; sys.stdout.write(s.schema_json())"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(done.stdout)
    assert outputs == {schema_json()}
