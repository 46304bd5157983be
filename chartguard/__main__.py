"""``python -m chartguard``."""

from .cli import main

main(prog_name="chartguard")
