"""The wheel ships every package and data file: pyproject's package list covers the source tree."""

from __future__ import annotations

import tomllib

from helpers.paths import ROOT


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "chartguard").rglob("__init__.py")}
    assert on_disk <= listed, f"missing from pyproject packages: {sorted(on_disk - listed)}"
    assert config["package-dir"]["chartguard.policies"] == "policies"
    data = config["package-data"]
    assert {"*.yaml", "*.json"} <= set(data["chartguard.policies"])
    assert "*.json" in data["chartguard.schemas"] and "*.j2" in data["chartguard.templates"]
