"""Fixtures shared by the whole suite; importable helpers are in tests/helpers/ (tests/README.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from helpers.paths import chart_path


@pytest.fixture
def testchart() -> Callable[[str], Path]:
    """``testchart("good")`` → path of testcharts/good."""
    return chart_path


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway certificate authority, one per test module (``helpers.pki.write_pki`` issues from it)."""
    return trustme.CA()
