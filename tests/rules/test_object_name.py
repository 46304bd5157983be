"""``object-name``: Objects have metadata.name. (Its findings in a manifest stream:
tests/rules/test_object_kind.py.)
"""

from __future__ import annotations

from helpers.rules import lint, rows


def test_object_name_generate_name_and_empty_name() -> None:
    report = lint("bad-objects")
    assert rows(report, "object-name", "bad-objects") == [
        (
            "error",
            "ConfigMap <unnamed>",
            "metadata.name is empty",
            "templates/configmap.yaml:4 "
            'name: {{ .Values.configName | default (ternary (printf "%s-settings" .Release.Name) "" .Values.fixed) }}',
        ),
        (
            "error",
            "Secret <unnamed>",
            "generateName: mini-service-token- (NVCF needs a fixed name)",
            "templates/secret.yaml:3 metadata:",
        ),
    ]


def test_bad_objects_fixed_by_values() -> None:
    report = lint("bad-objects", {"fixed": True})
    assert report.findings == []
    assert report.objects == 2
    named = lint("bad-objects", {"fixed": True, "configName": "settings"})
    assert named.findings == []
