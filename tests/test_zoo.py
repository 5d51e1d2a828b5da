"""specs/README.md is the output of `convcalc zoo`: regenerate it when a spec changes."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import SPECS

from convcalc.cli import main
from convcalc.render.escape import markdown


def test_zoo_table_is_up_to_date() -> None:
    result = CliRunner().invoke(main, ["zoo"])
    assert result.exit_code == 0, result.output
    written = (SPECS / "README.md").read_text(encoding="utf-8")
    assert written == result.output, "specs/README.md is stale: run `convcalc zoo > specs/README.md`"


def test_zoo_lists_every_bundled_spec() -> None:
    written = (SPECS / "README.md").read_text(encoding="utf-8")
    for spec in SPECS.glob("*.yaml"):
        assert f"[{markdown(spec.stem)}]({spec.name})" in written


def test_zoo_of_given_specs_has_no_header() -> None:
    result = CliRunner().invoke(main, ["zoo", str(SPECS / "lenet5.yaml")])
    assert result.output.startswith("| Spec |")
    assert "| 61,706 |" in result.output
