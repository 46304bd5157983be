"""``object-count``: At most 300 objects. Hooks do not count."""

from __future__ import annotations

from pathlib import Path

from helpers.lint import found
from helpers.paths import chart_path
from helpers.rules import lint, rows

import chartguard


def test_object_count_limit_is_300() -> None:
    at_limit = lint("many-objects", {"shards": 299})  # 299 shards + the blob
    assert at_limit.objects == 300
    assert found(at_limit, "object-count") == []

    over = lint("many-objects", {"shards": 300})
    assert over.objects == 301
    assert rows(over, "object-count", "many-objects") == [
        (
            "error",
            "ConfigMap mini-service-shard-299",
            "301 objects, limit 300; the first over the limit is ConfigMap mini-service-shard-299",
            "templates/shards.yaml:3 apiVersion: v1",
        )
    ]
    assert over.failed()


def test_hooks_do_not_count_as_objects(tmp_path: Path) -> None:
    profile = tmp_path / "one-object.yaml"
    profile.write_text(
        "name: one-object\ntitle: at most one object\nfollows: this test\nextends: nvcf\n"
        "rules:\n  object-count:\n    params: {max_objects: 1}\n"
    )
    report = chartguard.lint_chart(chart_path("hooks"), profile=str(profile))
    assert (report.objects, report.hooks) == (1, 3)
    assert found(report, "object-count") == []
    two = chartguard.lint_chart(chart_path("many-objects"), {"shards": 1}, profile=str(profile))
    assert [f.detail for f in found(two, "object-count")] == [
        "2 objects, limit 1; the first over the limit is ConfigMap mini-service-shard-0"
    ]
