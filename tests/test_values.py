"""Values merged in Helm's order: -f files, --configuration, --set-json, --set, --set-string, --set-file."""

from __future__ import annotations

import json

import pytest

from chartguard import api
from chartguard.errors import UsageError
from chartguard.values import ValueOptions, merge_maps, merge_values, set_into


def test_files_merge_in_order_maps_deep_lists_replaced(tmp_path):
    (tmp_path / "a.yaml").write_text("image: {repository: r, tag: '1'}\nports: [1, 2]\nkeep: yes\n")
    (tmp_path / "b.yaml").write_text("image: {tag: '2'}\nports: [3]\n")
    merged = merge_values(ValueOptions(value_files=[str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]))
    assert merged == {"image": {"repository": "r", "tag": "2"}, "ports": [3], "keep": True}


def test_set_flags_apply_after_files_in_helms_order(tmp_path):
    (tmp_path / "a.yaml").write_text("a: file\nb: file\nc: file\nd: file\n")
    (tmp_path / "secret.txt").write_text("from-file")
    merged = merge_values(
        ValueOptions(
            value_files=[str(tmp_path / "a.yaml")],
            configuration='{"a": "configuration", "b": "configuration"}',
            set_json=['b={"x": 1}', "c=[1,2]"],
            set=["c=set", "n=10"],
            set_string=["n=10"],
            set_file=[f"d={tmp_path / 'secret.txt'}"],
        )
    )
    assert merged == {"a": "configuration", "b": {"x": 1}, "c": "set", "d": "from-file", "n": "10"}


def test_set_types_follow_strvals():
    merged = merge_values(ValueOptions(set=["a.b=1,c=true,d=null,e={x,y}", "f=1.5"]))
    assert merged == {"a": {"b": 1}, "c": True, "d": None, "e": ["x", "y"], "f": "1.5"}


def test_set_index_updates_only_that_element():
    base = {"list": [{"name": "a", "port": 1}, {"name": "b", "port": 2}]}
    merged = merge_values(ValueOptions(set=["list[1].port=9"]), base)
    assert merged == {"list": [{"name": "a", "port": 1}, {"name": "b", "port": 9}]}


def test_set_into_pads_new_indexes():
    assert set_into({"l": [1]}, {"l": [None, None, 3]}) == {"l": [1, None, 3]}


def test_merge_maps_replaces_non_maps():
    assert merge_maps({"a": {"b": 1}, "c": [1]}, {"a": 2, "c": {"d": 1}}) == {"a": 2, "c": {"d": 1}}


def test_configuration_file_and_mapping(tmp_path):
    (tmp_path / "conf.json").write_text(json.dumps({"image": {"tag": "9"}}))
    assert merge_values(ValueOptions(configuration=f"@{tmp_path / 'conf.json'}")) == {"image": {"tag": "9"}}
    assert merge_values(ValueOptions(configuration={"x": 1})) == {"x": 1}


@pytest.mark.parametrize(
    "options, message",
    [
        (ValueOptions(set=["a.b"]), r"--set 'a.b': key \"b\" has no value"),
        (ValueOptions(configuration="[1]"), "configuration must be a JSON object"),
        (ValueOptions(configuration="{bad"), "invalid JSON"),
        (ValueOptions(value_files=["/nonexistent/values.yaml"]), "file not found"),
    ],
)
def test_bad_values_are_usage_errors(options, message):
    with pytest.raises(UsageError, match=message):
        merge_values(options)


def test_null_in_user_values_deletes_a_chart_default(testchart):
    rendered = api.render_chart(testchart("release-shape"), values={"image": {"tag": None}})
    deployment = next(m for m in rendered.manifests if m.kind == "Deployment")
    assert deployment.obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nvcr.io/example/echo:"


def test_configuration_override_reaches_the_chart(testchart):
    rendered = api.render_chart(testchart("release-shape"), configuration='{"replicas": 4}')
    deployment = next(m for m in rendered.manifests if m.kind == "Deployment")
    assert deployment.obj["spec"]["replicas"] == 4
