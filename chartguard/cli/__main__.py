"""``python -m chartguard.cli``."""

from . import main

main(prog_name="chartguard")
