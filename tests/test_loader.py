"""The YAML loader: the same values as PyYAML's safe_load, with positions, and no recursion."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import loader
from convcalc.errors import SpecError
from convcalc.loader import YMap, load_document, load_yaml, plain

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=25
)


@settings(max_examples=300)
@given(st.dictionaries(keys, documents, min_size=1, max_size=5), st.booleans())
def test_values_equal_pyyaml_safe_load(data: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert plain(load_yaml(text)) == yaml.safe_load(text)


def test_positions_are_one_based_line_and_column() -> None:
    root = load_yaml("input: [3, 8, 8]\nlayers:\n  - conv: {filters: 4}\n")
    assert isinstance(root, YMap)
    assert root.position_of("layers").line == 2
    entry = root.entries["layers"].items[0]  # type: ignore[union-attr]
    assert (entry.pos.line, entry.pos.column) == (3, 5)


def test_anchors_are_shared_and_merge_keys_merge() -> None:
    root = load_yaml("base: &b {kernel: 3, stride: 1}\nx: {<<: *b, stride: 2}\ny: *b\n")
    data = plain(root)
    assert data["x"] == {"kernel": 3, "stride": 2}
    assert root.entries["y"] is root.entries["base"]  # type: ignore[union-attr]


def test_duplicates_are_recorded_for_the_reader() -> None:
    _, duplicated = load_document("a: 1\nb: {c: 1, c: 2}\n")
    assert len(duplicated) == 1
    assert duplicated[0].duplicate is not None and duplicated[0].duplicate.key == "c"


PARSERS = [pytest.param(yaml.SafeLoader, id="pure-python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_is_bounded_without_recursion(parser: type, style: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """200 levels load (the root mapping is one); deeper fails at once, however deep, with the
    same code and position whichever parser reads it (libyaml 0.2.6+ has a limit of its own at
    1,000 flow levels, which convcalc's must win over)."""
    monkeypatch.setattr(loader, "_loader_class", lambda: parser)

    def nested(depth: int) -> str:
        if style == "flow":
            return "a: " + "[" * depth + "]" * depth + "\n"
        return "a:\n" + "".join("  " * level + "-\n" for level in range(1, depth)) + "  " * depth + "- 1\n"

    load_yaml(nested(199))
    # (block text grows with the square of its depth)
    for depth in (200, 1_001, 20_000) if style == "flow" else (200, 1_001):
        with pytest.raises(SpecError) as caught:
            load_yaml(nested(depth))
        assert caught.value.code == "too-deep"
        position = caught.value.diagnostic.position
        assert (position.line, position.column) == ((1, 3 + 200) if style == "flow" else (201, 401))
