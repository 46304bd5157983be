"""chartguard's answers on every real chart and admission sample are those stored in
tests/golden/behaviour.json (tools/behaviour_snapshot.py): a restructuring must not change them.
A deliberate change of behaviour refreshes the file with ``python tools/behaviour_snapshot.py --write``
in the same commit."""

from __future__ import annotations

import importlib.util
import json

from helpers.paths import ROOT, shared_path


def _snapshot_tool():
    spec = importlib.util.spec_from_file_location("behaviour_snapshot", ROOT / "tools" / "behaviour_snapshot.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_on_real_charts_and_reviews_are_unchanged(monkeypatch):
    shared_path("charts")
    shared_path("admission-samples")
    tool = _snapshot_tool()
    monkeypatch.chdir(ROOT)
    stored = json.loads((ROOT / "tests" / "golden" / "behaviour.json").read_text(encoding="utf-8"))
    fresh = tool.capture()
    assert len(fresh) >= 80
    assert tool.differences(stored, fresh) == []
