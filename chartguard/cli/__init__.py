"""The ``chartguard`` command line: the click group and its commands, one module per group of
commands (``lint.py``: lint, fix, post-render, render; ``info.py``: rules, profiles; ``serve.py``).

Exit codes: 0 clean (no finding at or above ``--fail-on``), 1 findings at or above ``--fail-on``,
2 usage, configuration, input or render errors (one line on stderr, never a traceback).
Commands import what they run when they run, so that ``--help`` and ``rules`` stay fast.
"""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from . import info, lint, serve
from .common import one_line_usage_errors


class _Main(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with one_line_usage_errors():
            return super().invoke(ctx)


@click.group(name="chartguard", cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="chartguard")
def main() -> None:
    """Lint Helm charts against the NVIDIA Cloud Functions (NVCF) helm-function rules.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/input/render error.
    """


for command in (lint.lint, lint.fix, lint.post_render, lint.render, info.rules, info.profiles, serve.serve):
    main.add_command(command)

__all__ = ["main"]
