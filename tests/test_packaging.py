"""The wheel ships every package and data file: pyproject's package discovery and package data
cover the source tree (no folder without ``__init__.py``, no data file outside the globs)."""

from __future__ import annotations

import fnmatch
import tomllib

from helpers.paths import ROOT

PACKAGE = ROOT / "chartguard"


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_source_folder_is_a_discovered_package():
    assert _config()["packages"]["find"]["include"] == ["chartguard*"]
    assert "package-dir" not in _config(), "a package-dir mapping forces setuptools' slow editable import hook"
    for folder in {p.parent for p in PACKAGE.rglob("*.py")}:
        assert (folder / "__init__.py").is_file(), f"{folder.relative_to(ROOT)} has no __init__.py: the wheel would miss it"


def test_every_data_file_is_shipped():
    data = _config()["package-data"]
    for path in PACKAGE.rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        globs = data.get(package, [])
        assert any(fnmatch.fnmatch(path.name, glob) for glob in globs), f"{path.relative_to(ROOT)} is not in package-data"
    assert (PACKAGE / "py.typed").is_file()
