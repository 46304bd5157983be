"""The code stays clean as the team's tools judge it: ruff's lint and format rules
(pyproject.toml) on the whole tree, and mypy in strict mode on the package (which ships py.typed)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.paths import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("command", [("ruff", "check", "."), ("ruff", "format", "--check", ".")], ids=["lint", "format"])
def test_ruff(command):
    pytest.importorskip("ruff", reason="ruff is part of the test extra")
    result = _run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_package():
    pytest.importorskip("mypy", reason="mypy is part of the test extra")
    result = _run("mypy", "chartguard")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "strict = true" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
