"""Hostile charts and inputs cannot turn chartguard against its host: no network or file access
through a values schema, one budget for the whole chart tree, renders stopped at their time and
memory limits, no device, FIFO or escaping link read (each case once reproduced on earlier code)."""

from __future__ import annotations

import gzip
import http.server
import io
import os
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import assert_one_line_error, cli

from chartguard import helmreval
from chartguard.chart import MAX_TREE_BYTES

CHART_YAML = "apiVersion: v2\nname: c\nversion: 1.0.0\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: {{ .Values.a | quote }}\n"


def make_chart(root: Path, templates: dict[str, str] | None = None, files: dict[str, str] | None = None) -> Path:
    chart = root / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML)
    (chart / "values.yaml").write_text("a: x\n")
    for name, text in (templates or {"cm.yaml": CONFIGMAP}).items():
        (chart / "templates" / name).write_text(text)
    for name, text in (files or {}).items():
        (chart / name).write_text(text)
    return chart


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request path (nothing may reach it)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            body = b'{"type": "object"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/schema.json", hits
    server.shutdown()


def test_values_schema_ref_to_a_url_is_refused_without_fetching(tmp_path, listener):
    url, hits = listener
    make_chart(tmp_path, files={"values.schema.json": f'{{"$ref": "{url}"}}'})
    message = assert_one_line_error(cli("lint", "c", cwd=tmp_path, in_subprocess=True), "render error")
    assert url in message and "not a file of the chart" in message
    assert hits == []


def test_values_schema_ref_to_a_host_file_is_refused_without_reading(tmp_path):
    make_chart(tmp_path, files={"values.schema.json": '{"$ref": "file:///etc/passwd"}'})
    run = cli("lint", "c", cwd=tmp_path, in_subprocess=True)
    message = assert_one_line_error(run, "render error")
    assert "file:///etc/passwd" in message and "not a file of the chart" in message
    assert "invalid character" not in run.stderr  # the engine once read the file and leaked its first byte


def test_values_schema_refs_inside_the_chart_are_followed(tmp_path):
    schema = '{"properties": {"a": {"$ref": "defs.json#/definitions/n"}}}'
    make_chart(tmp_path, files={"values.schema.json": schema, "defs.json": '{"definitions": {"n": {"type": "integer"}}}'})
    message = assert_one_line_error(cli("lint", "c", cwd=tmp_path), "render error")
    assert "at '/a': got string, want integer" in message
    assert cli("lint", "c", "--set", "a=1", cwd=tmp_path).code in (0, 1)


def test_helm_reval_api_never_fetches_a_schema_ref(tmp_path, listener):
    url, hits = listener
    chart = make_chart(tmp_path, files={"values.schema.json": f'{{"$ref": "{url}"}}'})
    answer = helmreval.validate({"helmChart": str(chart), "helmChartServiceName": "s", "helmChartServicePort": 80})
    assert answer["valid"] is False and any(url in e for e in answer["validationErrors"])
    assert hits == []


def _tgz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1) as zipped, tarfile.open(fileobj=zipped, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_subchart_archives_share_the_tree_budget(tmp_path):
    """40 subchart archives of ~95 MiB of zeros each (a 4 MB chart): refused while reading, not after."""
    chart = make_chart(tmp_path)
    (chart / "charts").mkdir()
    blob = _tgz(
        {
            "s/Chart.yaml": b"apiVersion: v2\nname: s\nversion: 1.0.0\n",
            **{f"s/files/{i}": b"\0" * (5 * 1024 * 1024 - 1) for i in range(19)},
        }
    )
    for i in range(40):
        (chart / "charts" / f"s{i}.tgz").write_bytes(blob)
    started = time.monotonic()
    run = cli("lint", "c", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "input error", f"decompresses beyond {MAX_TREE_BYTES:,} bytes")
    assert time.monotonic() - started < 20


def test_subcharts_nested_too_deep_are_refused(tmp_path):
    inner = _tgz({"s9/Chart.yaml": b"apiVersion: v2\nname: s9\nversion: 1.0.0\n"})
    for level in range(8, -1, -1):
        inner = _tgz(
            {
                f"s{level}/Chart.yaml": f"apiVersion: v2\nname: s{level}\nversion: 1.0.0\n".encode(),
                f"s{level}/charts/s{level + 1}.tgz": inner,
            }
        )
    chart = make_chart(tmp_path)
    (chart / "charts").mkdir()
    (chart / "charts" / "s0.tgz").write_bytes(inner)
    assert_one_line_error(cli("lint", "c", cwd=tmp_path), "input error", "subcharts nest deeper than 8 levels")


def test_a_huge_chart_yaml_is_not_read_whole(tmp_path):
    chart = make_chart(tmp_path)
    with (chart / "Chart.yaml").open("ab") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MiB claimed, nothing on disk
    started = time.monotonic()
    assert_one_line_error(cli("lint", "c", cwd=tmp_path, in_subprocess=True), "input error", "Chart.yaml is larger than")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("template", "limit", "fragment"),
    [
        (
            "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}",
            "--render-timeout",
            "rendering stopped after 2 s",
        ),
        ('a: {{ repeat 1000000000 "xxxxxxxxxx" }}', "--render-memory", "memory limit"),
        ('{{- range until 100000000 }}{{ genPrivateKey "rsa" }}{{- end }}', "--render-", "rendering stopped"),
    ],
    ids=["nested-range", "repeat", "genPrivateKey-loop"],
)
def test_a_render_is_stopped_at_its_limits(tmp_path, template, limit, fragment):
    make_chart(tmp_path, templates={"cm.yaml": template})
    started = time.monotonic()
    run = cli("lint", "c", "--render-timeout", "2", "--render-memory", "512", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "render error", fragment, hint=limit)
    assert time.monotonic() - started < 15


def test_the_engine_worker_recovers_after_a_stopped_render(tmp_path):
    """In one process: a render killed at its limit, then a normal render works again."""
    import chartguard
    from chartguard.errors import RenderError
    from chartguard.render import worker

    looping = make_chart(
        tmp_path / "a", templates={"cm.yaml": "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}"}
    )
    good = make_chart(tmp_path / "b")
    before = worker.limits()
    worker.set_limits(worker.Limits(timeout=1.0, memory=before.memory))
    try:
        with pytest.raises(RenderError, match="stopped after 1 s"):
            chartguard.render_chart(looping)
        assert [m.name for m in chartguard.render_chart(good).manifests] == ["cm"]
    finally:
        worker.set_limits(before)


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "/dev/zero"],
        ["--set-file", "a=/dev/zero"],
        ["--configuration", "@/dev/zero"],
        ["--function", "/dev/zero"],
        ["--profile", "/dev/zero"],
    ],
    ids=["values", "set-file", "configuration", "function", "profile"],
)
def test_devices_named_by_flags_are_read_within_a_limit(tmp_path, args):
    make_chart(tmp_path)
    started = time.monotonic()
    run = cli("lint", "c", *args, cwd=tmp_path, in_subprocess=True)
    assert run.code == 2 and "larger than" in run.stderr, run
    assert time.monotonic() - started < 10


def test_values_on_stdin_from_a_device_are_read_within_a_limit(tmp_path):
    make_chart(tmp_path)
    with open("/dev/zero", "rb") as zero:
        import subprocess
        import sys

        run = subprocess.run([sys.executable, "-m", "chartguard.cli", "lint", "c", "-f", "-"], stdin=zero, cwd=tmp_path,
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    assert run.returncode == 2 and "larger than" in run.stderr


@pytest.mark.parametrize("where", ["values.yaml", "templates/cm.yaml", "files/passwd"])
def test_links_out_of_the_chart_are_refused(tmp_path, where):
    chart = make_chart(tmp_path)
    target = chart / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    target.symlink_to("/etc/passwd")
    run = cli("lint", "c", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "input error", f"c/{where}: symbolic link to a file outside the chart")
    assert "root:" not in run.stdout + run.stderr


def test_a_link_inside_the_chart_is_followed(tmp_path):
    chart = make_chart(
        tmp_path,
        templates={
            "cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {f: {{ .Files.Get "files/b.txt" | quote }}}\n'
        },
    )
    (chart / "files").mkdir()
    (chart / "files" / "a.txt").write_text("hello")
    (chart / "files" / "b.txt").symlink_to("a.txt")
    import chartguard

    rendered = chartguard.render_chart(chart)
    assert rendered.manifests[0].obj["data"] == {"f": "hello"}


def test_a_fifo_in_the_chart_is_refused_without_waiting(tmp_path):
    chart = make_chart(tmp_path)
    (chart / "values.yaml").unlink()
    os.mkfifo(chart / "values.yaml")
    started = time.monotonic()
    assert_one_line_error(cli("lint", "c", cwd=tmp_path, in_subprocess=True), "input error", "c/values.yaml: not a regular file")
    assert time.monotonic() - started < 10


def test_helmignore_is_applied_as_helm_applies_it(tmp_path):
    chart = make_chart(
        tmp_path,
        templates={"cm.yaml": CONFIGMAP, "broken.yaml": "{{ nope }}"},
        files={".helmignore": "# comment\nbroken.yaml\n*.tmp\n"},
    )
    (chart / "templates" / ".hidden.yaml").write_text("{{ also broken }}")  # Helm's default rule: templates/.?*
    (chart / "x.tmp").write_text("junk")
    import chartguard

    assert [m.name for m in chartguard.render_chart(chart).manifests] == ["cm"]


def test_cli_and_engine_limit_defaults_agree():
    from chartguard.cli import common
    from chartguard.render import worker

    assert common.DEFAULT_RENDER_TIMEOUT == worker.DEFAULT_TIMEOUT
    assert common.DEFAULT_RENDER_MEMORY_MIB * 1024 * 1024 == worker.DEFAULT_MEMORY


def test_notes_in_the_report_never_show_a_secret_of_the_release(tmp_path):
    """A chart that prints its generated password in NOTES.txt: the JSON report's notes hide it."""
    import chartguard

    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: {{ .Values.password | quote }}}\n"
    chart = make_chart(tmp_path, templates={"secret.yaml": secret, "NOTES.txt": "your password: {{ .Values.password }}\n"})
    report = chartguard.lint_chart(chart, set_values=["password=s3cr3t-marker"])
    assert "s3cr3t-marker" not in report.chart["notes"] and "<redacted>" in report.chart["notes"]
