"""The YAML loader: the same values as PyYAML's safe_load, with positions, and no recursion."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300, deadline=None)
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


def test_nesting_is_bounded_without_recursion() -> None:
    """200 levels load (the root mapping is one); deeper fails at once, however deep."""
    load_yaml("a: " + "[" * 199 + "]" * 199 + "\n")
    for depth in (200, 100_000):
        with pytest.raises(SpecError) as caught:
            load_yaml("a: " + "[" * depth + "]" * depth + "\n")
        assert caught.value.code == "too-deep"
        assert caught.value.diagnostic.position.column == 3 + 200
