"""Running the ``chartguard`` command: in-process through Click's runner (fast), or as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from chartguard.cli import main


@dataclass
class Run:
    """What a ``chartguard`` run left: its exit code and its output."""

    code: int
    stdout: str
    stderr: str


def chartguard_command(*args: str) -> list[str]:
    """The installed ``chartguard`` executable (what Helm runs), else ``python -m chartguard.cli``."""
    script = Path(sys.executable).parent / "chartguard"
    return [str(script), *args] if script.is_file() else [sys.executable, "-m", "chartguard.cli", *args]


def run_command(
    command: list[str], *, stdin: str | bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run ``command`` as a real process in ``cwd`` with ``env`` over this process's environment;
    ``stdin`` is its whole input (none: an empty one)."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        command,
        cwd=cwd,
        input=data if data is not None else b"",
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def cli(
    *args: str,
    stdin: str | bytes | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    color: bool = False,
    in_subprocess: bool = False,
) -> Run:
    """``chartguard ARGS`` in ``cwd`` (default: the current directory), with ``env`` over the environment.

    In-process through Click's CliRunner (``color=True`` keeps the ANSI codes), where an exception
    other than SystemExit escaping the command fails the test (it would be a traceback in a terminal);
    with ``in_subprocess=True`` as a real ``python -m chartguard.cli`` process, for what only a process
    shows: its real exit code, what reaches the terminal, a crash of the interpreter.
    """
    if in_subprocess:
        return run_command([sys.executable, "-m", "chartguard.cli", *args], stdin=stdin, cwd=cwd, env=env)
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), input=stdin, env=env, color=color, catch_exceptions=True)
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_one_line_error(run: Run, kind: str, *fragments: str, hint: str | None = None) -> str:
    """Exit 2, no traceback, no stdout, exactly one ``chartguard: KIND: ...`` line naming every fragment,
    optionally one ``chartguard: hint: ...`` line (containing ``hint`` when given). Returns the message."""
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr
    assert run.code == 2, (run.code, run.stderr, run.stdout[:500])
    assert run.stdout == "", run.stdout[:500]  # no half-written report for a JSON/SARIF consumer
    lines = run.stderr.splitlines()
    assert 1 <= len(lines) <= 2, lines
    prefix = f"chartguard: {kind}: "
    assert lines[0].startswith(prefix), lines
    message = lines[0][len(prefix) :]
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    if len(lines) == 2:
        assert lines[1].startswith("chartguard: hint: "), lines
    if hint is not None:
        assert len(lines) == 2 and hint in lines[1], lines
    return message
