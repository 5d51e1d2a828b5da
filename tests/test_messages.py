"""Messages a new user meets first: they name the row and say what to write."""

from __future__ import annotations

import pytest

import convcalc
from convcalc import shapes

from conftest import analyze_yaml


def error_of(text: str) -> str:
    with pytest.raises(convcalc.SpecError) as caught:
        analyze_yaml(text)
    return caught.value.diagnostic.format()


def test_bare_value_for_args_shows_how_to_write_it() -> None:
    line = error_of("input: [3, 8, 8]\nlayers:\n  - relu\n  - fc: 10\n")
    assert line == "test.yaml:4:5: error[type]: fc1: the args of fc must be a mapping, got 10 (write fc: {units: 10})"


def test_bare_value_for_a_type_with_several_keys_lists_them() -> None:
    line = error_of("input: [3, 8, 8]\nlayers:\n  - conv: 3\n")
    assert line.endswith(
        "conv1: the args of conv must be a mapping, got 3 (conv takes filters, kernel, stride, padding, dilation, groups, bias, activation)"
    )


def test_pytorch_key_names_get_convcalc_s() -> None:
    line = error_of("input: [3, 8, 8]\nlayers:\n  - conv: {out_channels: 8, kernel_size: 3}\n")
    assert "unknown key 'out_channels' for conv (did you mean 'filters'?)" in line


def test_stride_fixes_stay_near_the_given_stride() -> None:
    """(32 − 3)/2 + 1 = 15.5: stride 29 would 'fit' but is another layer, so it is not offered."""
    diagnosis = shapes.uneven_stride(32, 3, 2)
    assert diagnosis is not None
    assert diagnosis.fitting_strides == (1,)
    assert shapes.uneven_stride(7, 3, 3).fitting_strides == (2, 4)  # type: ignore[union-attr]
