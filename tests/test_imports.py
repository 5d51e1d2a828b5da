"""Start-up stays lean: the library imports neither rich nor click."""

from __future__ import annotations

import subprocess
import sys


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_convcalc_pulls_in_neither_rich_nor_click() -> None:
    modules = imported_after("import convcalc")
    assert "rich" not in modules
    assert "click" not in modules


def test_analyzing_through_the_api_needs_no_rich_or_click() -> None:
    modules = imported_after("import convcalc; convcalc.analyze({'input': [3, 8, 8], 'layers': ['relu']})")
    assert "rich" not in modules
    assert "click" not in modules


def test_cli_imports_rich_only_to_render_a_table() -> None:
    modules = imported_after("from convcalc.cli import main")
    assert "click" in modules
    assert "rich" not in modules


def test_version_answers_without_click() -> None:
    code = (
        "import sys; sys.argv = ['convcalc', '--version']; from convcalc.launch import main; main(); "
        "print('click' in sys.modules, 'yaml' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version_line, loaded = done.stdout.splitlines()
    assert version_line.startswith("convcalc, version ")
    assert loaded == "False False"


def test_piped_table_needs_no_rich() -> None:
    modules = imported_after(
        "import io, convcalc; from convcalc.render.table import print_report; "
        "print_report(convcalc.analyze({'input': [3, 8, 8], 'layers': ['relu']}), file=io.StringIO())"
    )
    assert "rich" not in modules


def test_cli_start_up_imports_neither_torch_nor_onnx() -> None:
    modules = imported_after("from convcalc.cli import main; import convcalc.bridges")
    assert not {"torch", "onnx", "numpy"} & modules
