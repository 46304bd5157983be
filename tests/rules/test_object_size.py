"""``object-size``: Objects at most 1 MiB."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, rows

# blob.yaml renders "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mini-service-blob\ndata:\n  payload: "
# followed by the payload: 84 bytes besides it.
BLOB_OVERHEAD = len("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mini-service-blob\ndata:\n  payload: ")


def test_object_size_limit_is_one_mebibyte() -> None:
    exactly = lint("many-objects", {"blobBytes": 1024 * 1024 - BLOB_OVERHEAD})
    assert found(exactly, "object-size") == []

    over = lint("many-objects", {"blobBytes": 1024 * 1024 - BLOB_OVERHEAD + 1})
    assert rows(over, "object-size", "many-objects") == [
        (
            "error",
            "ConfigMap mini-service-blob",
            "1,048,577 bytes, limit 1,048,576",
            "templates/blob.yaml:1 apiVersion: v1",
        )
    ]
    assert [f.rule_id for f in over.findings] == ["object-size"]
