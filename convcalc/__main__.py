"""``python -m convcalc``."""

from .cli import main

main(prog_name="convcalc")
