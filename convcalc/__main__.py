"""``python -m convcalc``."""

from .launch import main

main()
