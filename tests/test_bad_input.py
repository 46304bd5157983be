"""Bad input never produces a traceback: one ``chartguard: <kind>: <message>`` line on stderr
(optionally followed by one ``chartguard: hint: ...`` line) and exit code 2.

Every case runs the real CLI. Most go through Click's in-process runner (fast); each group also
runs at least one case as a real subprocess (``python -m chartguard.cli``), which proves that no
traceback reaches a terminal and that the process really exits 2. Cases that could crash the
interpreter (deeply nested YAML once segfaulted libyaml) always run as subprocesses.

Bad archives and charts are built in ``tmp_path``; nothing binary is committed.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.cli import assert_one_line_error, cli

from chartguard.chart import MAX_FILE_BYTES as MAX_ENTRY_BYTES
from chartguard.chart import MAX_TREE_BYTES as MAX_ARCHIVE_BYTES

MiB = 1024 * 1024
CHART_YAML = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: b\n"


# --------------------------------------------------------------------------------------------
# building charts and archives


def make_chart(root: Path, name: str = "c", *, chart_extra: str = "", templates: dict[str, str] | None = None,
               files: dict[str, str] | None = None) -> Path:  # fmt: skip
    """A chart directory ``root/name`` (one ConfigMap template unless ``templates`` is given)."""
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML.format(name=name) + chart_extra)
    for template, text in (templates if templates is not None else {"cm.yaml": CONFIGMAP}).items():
        (chart / "templates" / template).write_text(text)
    for path, text in (files or {}).items():
        (chart / path).write_text(text)
    return chart


def member(name: str, data: bytes = b"", **attrs: object) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def write_tgz(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    path.write_bytes(gzip.compress(buffer.getvalue(), compresslevel=1))
    return path


def chart_yaml_member(root: str = "c") -> tuple[tarfile.TarInfo, bytes]:
    return member(f"{root}/Chart.yaml", CHART_YAML.format(name=root).encode())


def bomb_tgz(path: Path) -> Path:
    """A valid chart archive whose entries, each within Helm's 5 MiB per-file limit, decompress
    beyond its 100 MiB total. Built cheaply: one gzip member of zeros is compressed once and
    repeated (gzip streams may be concatenated), so nothing of 100 MiB is ever in memory here."""
    count = MAX_ARCHIVE_BYTES // MAX_ENTRY_BYTES + 1
    zeros = gzip.compress(b"\0" * MAX_ENTRY_BYTES, compresslevel=1)  # ~5 KiB
    info, data = chart_yaml_member()
    with path.open("wb") as out:
        out.write(gzip.compress(info.tobuf() + data + b"\0" * (-len(data) % 512)))
        for i in range(count):
            header = tarfile.TarInfo(f"c/templates/zeros-{i}.yaml")
            header.size = MAX_ENTRY_BYTES
            out.write(gzip.compress(header.tobuf()))
            out.write(zeros)  # MAX_ENTRY_BYTES is a multiple of the 512-byte block: no padding
        out.write(gzip.compress(b"\0" * 1024))  # end-of-archive marker
    assert count * MAX_ENTRY_BYTES > MAX_ARCHIVE_BYTES and path.stat().st_size < 1 * MiB
    return path


def _absolute(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), member("/etc/evil.yaml", b"x")])


def _dotdot(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), member("c/../../evil.yaml", b"x")])


def _symlink(tmp: Path) -> Path:
    link = member("c/templates/passwd.yaml", type=tarfile.SYMTYPE, linkname="/etc/passwd")
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), link])


def _hardlink(tmp: Path) -> Path:
    link = member("c/templates/copy.yaml", type=tarfile.LNKTYPE, linkname="c/Chart.yaml")
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), link])


def _fifo(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), member("c/templates/pipe", type=tarfile.FIFOTYPE)])


def _device(tmp: Path) -> Path:
    device = member("c/templates/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), device])


def _big_entry(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member(), member("c/files/blob.bin", b"\0" * (MAX_ENTRY_BYTES + 1))])


def _lying_header(tmp: Path) -> Path:
    """A tar header that claims 4 MiB of data the archive does not have."""
    info, data = chart_yaml_member()
    body = info.tobuf() + data + b"\0" * (-len(data) % 512)
    liar = tarfile.TarInfo("c/templates/huge.yaml")
    liar.size = 4 * MiB
    (tmp / "bad.tgz").write_bytes(gzip.compress(body + liar.tobuf() + b"apiVersion: v1\n"))
    return tmp / "bad.tgz"


def _truncated(tmp: Path) -> Path:
    write_tgz(tmp / "whole.tgz", [chart_yaml_member(), member("c/templates/cm.yaml", CONFIGMAP.encode() * 50)])
    data = (tmp / "whole.tgz").read_bytes()
    (tmp / "bad.tgz").write_bytes(data[: len(data) // 2])
    return tmp / "bad.tgz"


def _not_gzip(tmp: Path) -> Path:
    (tmp / "bad.tgz").write_bytes(b"this is not a gzip file\n")
    return tmp / "bad.tgz"


def _corrupt_gzip(tmp: Path) -> Path:
    (tmp / "bad.tgz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    return tmp / "bad.tgz"


def _no_chart_yaml(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [member("c/values.yaml", b"a: 1\n"), member("c/templates/cm.yaml", b"x: 1\n")])


def _two_folders(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [chart_yaml_member("c"), chart_yaml_member("d")])


def _loose_file(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [member("Chart.yaml", CHART_YAML.format(name="c").encode())])


def _empty(tmp: Path) -> Path:
    return write_tgz(tmp / "bad.tgz", [member("c", type=tarfile.DIRTYPE)])


ARCHIVES: list[tuple[str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("absolute", _absolute, ("bad.tgz", "'/etc/evil.yaml'", "absolute path")),
    ("dotdot", _dotdot, ("bad.tgz", "'c/../../evil.yaml'", "'..'")),
    ("symlink", _symlink, ("bad.tgz", "'c/templates/passwd.yaml'", "is a link")),
    ("hardlink", _hardlink, ("bad.tgz", "'c/templates/copy.yaml'", "is a link")),
    ("fifo", _fifo, ("bad.tgz", "'c/templates/pipe'", "not a regular file")),
    ("device", _device, ("bad.tgz", "'c/templates/null'", "not a regular file")),
    ("big-entry", _big_entry, ("bad.tgz", "c/files/blob.bin", "5,242,881 bytes", "limit 5,242,880")),
    ("lying-header", _lying_header, ("bad.tgz", "not a valid chart archive")),
    ("truncated", _truncated, ("bad.tgz", "not a valid chart archive")),
    ("not-gzip", _not_gzip, ("bad.tgz", "not a valid chart archive", "Not a gzipped file")),
    ("corrupt-gzip", _corrupt_gzip, ("bad.tgz", "not a valid chart archive")),
    ("no-chart-yaml", _no_chart_yaml, ("bad.tgz", "not a Helm chart archive", "c/Chart.yaml")),
    ("two-folders", _two_folders, ("bad.tgz", "exactly one top-level folder", "['c', 'd']")),
    ("loose-file", _loose_file, ("bad.tgz", "'Chart.yaml'", "not inside the chart's folder")),
    ("empty", _empty, ("bad.tgz", "no files")),
]


# --------------------------------------------------------------------------------------------
# 1. chart archives


@pytest.mark.parametrize(("builder", "fragments"), [(b, f) for _, b, f in ARCHIVES], ids=[i for i, _, _ in ARCHIVES])
def test_bad_archive(tmp_path: Path, builder: Callable[[Path], Path], fragments: tuple[str, ...]) -> None:
    builder(tmp_path)
    assert_one_line_error(cli("lint", "bad.tgz", cwd=tmp_path), "input error", *fragments)


def test_bad_archive_subprocess(tmp_path: Path) -> None:
    _dotdot(tmp_path)
    assert_one_line_error(cli("lint", "bad.tgz", cwd=tmp_path, in_subprocess=True), "input error", "bad.tgz", "'..'")
    assert_one_line_error(cli("render", "bad.tgz", cwd=tmp_path, in_subprocess=True), "input error", "bad.tgz", "'..'")


def test_archive_bomb(tmp_path: Path) -> None:
    bomb_tgz(tmp_path / "bomb.tgz")
    message = assert_one_line_error(cli("lint", "bomb.tgz", cwd=tmp_path, in_subprocess=True), "input error", "bomb.tgz")
    assert "archive bomb" in message and f"{MAX_ARCHIVE_BYTES:,} bytes" in message


# --------------------------------------------------------------------------------------------
# 2. chart directories


def test_chart_dir_without_chart_yaml(tmp_path: Path) -> None:
    (tmp_path / "c" / "templates").mkdir(parents=True)
    assert_one_line_error(
        cli("lint", "c", cwd=tmp_path, in_subprocess=True), "input error", "c: not a Helm chart (no Chart.yaml)"
    )


@pytest.mark.parametrize(
    ("chart_yaml", "fragments"),
    [
        ("apiVersion: v2\nname: c\nversion: [0.1\n", ("c/Chart.yaml: line 4: invalid YAML",)),
        ("apiVersion: v2\nname: c\n", ("c/Chart.yaml", "no 'version'")),
        ("apiVersion: v2\nversion: 1.0.0\n", ("c/Chart.yaml", "no 'name'")),
        ("- name: c\n", ("c/Chart.yaml", "must be a mapping")),
        ("", ("c/Chart.yaml", "must be a mapping")),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", ("c/Chart.yaml: line 1: invalid YAML (nested deeper than 200 levels)",)),
    ],
    ids=["malformed", "no-version", "no-name", "list", "empty", "deep"],
)
def test_bad_chart_yaml(tmp_path: Path, chart_yaml: str, fragments: tuple[str, ...]) -> None:
    chart = make_chart(tmp_path)
    (chart / "Chart.yaml").write_text(chart_yaml)
    assert_one_line_error(cli("lint", "c", cwd=tmp_path), "input error", *fragments)


def test_nonexistent_path(tmp_path: Path) -> None:
    assert_one_line_error(cli("lint", "no/such/chart", cwd=tmp_path), "input error", "no/such/chart: no such file or directory")
    assert_one_line_error(cli("render", "missing.tgz", cwd=tmp_path), "input error", "missing.tgz: no such file or directory")


# --------------------------------------------------------------------------------------------
# 3. manifests: rendered templates, files and stdin

ALIAS_BOMB = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n" + "".join(
    f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ['"lol"'] * 9) + "]\n" for i in range(9)
)


def test_template_renders_invalid_yaml(tmp_path: Path) -> None:
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, {{ .Values.n }}\n"
    make_chart(tmp_path / "charts", templates={"cm.yaml": bad}, files={"values.yaml": "n: 2\n"})
    message = assert_one_line_error(cli("lint", "charts/c", cwd=tmp_path, in_subprocess=True), "input error")
    assert message.startswith("charts/c/templates/cm.yaml (rendered): line 6: invalid YAML (")


@pytest.mark.parametrize(
    ("template", "fragments"),
    [
        ("- a\n- b\n", ("charts/c/templates/t.yaml (rendered): line 1: document is a list, not a Kubernetes object",)),
        (CONFIGMAP + "---\njust words\n", ("charts/c/templates/t.yaml (rendered): line 8: document is a string",)),
        ("{{ .Values.bomb }}\n", ("charts/c/templates/t.yaml (rendered): line 1: YAML alias bomb",)),
    ],
    ids=["list", "scalar", "alias-bomb"],
)
def test_template_renders_non_object(tmp_path: Path, template: str, fragments: tuple[str, ...]) -> None:
    make_chart(tmp_path / "charts", templates={"t.yaml": template})
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    assert_one_line_error(cli("lint", "charts/c", "--set-file", "bomb=bomb.yaml", cwd=tmp_path), "input error", *fragments)


def test_alias_bomb_file_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    expected = "line 1: YAML alias bomb (aliases expand beyond 1,000,000 nodes)"
    assert_one_line_error(cli("lint", "bomb.yaml", cwd=tmp_path), "input error", f"bomb.yaml: {expected}")
    stdin = cli("lint", "-", cwd=tmp_path, stdin=ALIAS_BOMB.encode(), in_subprocess=True)
    assert_one_line_error(stdin, "input error", f"<stdin>: {expected}")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (CONFIGMAP.replace("{{ .Release.Name }}", "x") + "---\nfoo: [1\n", ("m.yaml: line 8: invalid YAML",)),
        (CONFIGMAP.replace("{{ .Release.Name }}", "x") + "---\n- a\n", ("m.yaml: line 8: document is a list",)),
        ("42\n", ("m.yaml: line 1: document is a number",)),
        ('---\n"just a string"\n', ("m.yaml: line 2: document is a string",)),
    ],
    ids=["malformed", "list", "number", "string"],
)
def test_bad_manifest_file(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    (tmp_path / "m.yaml").write_text(text)
    assert_one_line_error(cli("lint", "m.yaml", cwd=tmp_path), "input error", *fragments)


def test_deeply_nested_manifest_does_not_crash(tmp_path: Path) -> None:
    # 100,000 levels once overflowed libyaml's C stack: a segfault (exit -11), not an error
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    expected = "deep.yaml: line 1: invalid YAML (nested deeper than 200 levels)"
    assert_one_line_error(cli("lint", "deep.yaml", cwd=tmp_path, in_subprocess=True), "input error", expected)
    # the same guard covers every YAML chartguard reads: values files too
    make_chart(tmp_path)
    expected = "deep.yaml: line 1: invalid values YAML (nested deeper than 200 levels)"
    assert_one_line_error(cli("lint", "c", "-f", "deep.yaml", cwd=tmp_path, in_subprocess=True), "usage error", expected)


def test_manifest_not_utf8(tmp_path: Path) -> None:
    latin1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".encode("latin-1")
    (tmp_path / "m.yaml").write_bytes(latin1)
    assert_one_line_error(
        cli("lint", "m.yaml", cwd=tmp_path), "input error", "m.yaml: line 4: not UTF-8 text (byte 0xe9 at offset 52)"
    )
    run = cli("lint", "-", cwd=tmp_path, stdin=latin1, in_subprocess=True)
    assert_one_line_error(run, "input error", "<stdin>: line 4: not UTF-8 text (byte 0xe9 at offset 52)")


def test_empty_stdin_is_a_clean_run(tmp_path: Path) -> None:
    """Nothing to judge is not an error (as for a chart whose templates all render empty);
    the summary says 0 objects. Use `set -o pipefail` so a failing `helm template` fails the pipe."""
    run = cli("lint", "-", cwd=tmp_path, stdin=b"", in_subprocess=True)
    assert (run.code, run.stderr) == (0, ""), run
    assert "in 0 objects" in run.stdout
    run = cli("lint", "-", "--format", "json", cwd=tmp_path, stdin=b"# only a comment\n---\n")
    assert run.code == 0 and '"objects": 0' in run.stdout


# --------------------------------------------------------------------------------------------
# 4. render errors: fail/required, values.schema.json, dependencies, kubeVersion


def test_template_fail_names_the_users_chart_path(tmp_path: Path) -> None:
    make_chart(tmp_path / "charts", templates={"f.yaml": '{{ fail "set image.tag, please" }}\n'})
    run = cli("lint", "charts/c", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "render error", "execution error at (charts/c/templates/f.yaml:1:3): set image.tag, please")


REQUIRED = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "image.tag is required" .Values.image.tag }}\n'


def test_template_required(tmp_path: Path) -> None:
    make_chart(tmp_path / "charts", templates={"r.yaml": REQUIRED}, files={"values.yaml": "image: {}\n"})
    message = assert_one_line_error(cli("lint", "charts/c", cwd=tmp_path), "render error", hint="--set")
    assert message == "execution error at (charts/c/templates/r.yaml:4:11): image.tag is required"
    # in a packaged chart the path names the archive and the file inside it
    files = [chart_yaml_member(), member("c/values.yaml", b"image: {}\n"), member("c/templates/r.yaml", REQUIRED.encode())]
    write_tgz(tmp_path / "c.tgz", files)
    assert_one_line_error(
        cli("lint", "c.tgz", cwd=tmp_path), "render error", "(c.tgz:c/templates/r.yaml:4:11): image.tag is required"
    )
    assert cli("lint", "charts/c", "--set", "image.tag=v1", cwd=tmp_path).code == 0


def test_values_schema_violation(tmp_path: Path) -> None:
    schema = '{"type": "object", "properties": {"replicas": {"type": "integer"}}, "required": ["replicas"]}'
    make_chart(tmp_path, files={"values.schema.json": schema, "values.yaml": "replicas: three\n"})
    message = assert_one_line_error(cli("lint", "c", cwd=tmp_path), "render error", hint="values.schema.json")
    assert "values don't meet the specifications of the schema(s)" in message
    assert "c: - at '/replicas': got string, want integer" in message
    run = cli("render", "c", "--set", "replicas=null", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "render error", "at '': missing property 'replicas'")


def test_missing_dependency(tmp_path: Path) -> None:
    deps = "dependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.example.com\n"
    make_chart(tmp_path, chart_extra=deps)
    run = cli("lint", "c", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "render error", "c: found in Chart.yaml, but missing in charts/ directory: redis",
                          hint="helm dependency build")  # fmt: skip


def test_kube_version_constraint(tmp_path: Path) -> None:
    make_chart(tmp_path, chart_extra='kubeVersion: ">=1.30.0"\n')
    message = assert_one_line_error(cli("lint", "c", cwd=tmp_path, in_subprocess=True), "render error", hint="--kube-version")
    assert message == "c/Chart.yaml:4: chart requires kubeVersion: >=1.30.0 which is incompatible with Kubernetes v1.20.0"
    run = cli("lint", "c", "--kube-version", "v1.31.0", cwd=tmp_path)
    assert run.code == 0 and "in 1 object" in run.stdout, run


def test_invalid_kube_version_constraint(tmp_path: Path) -> None:
    make_chart(tmp_path, chart_extra='kubeVersion: "not a constraint!"\n')
    assert_one_line_error(
        cli("lint", "c", cwd=tmp_path), "render error", "c/Chart.yaml:4: invalid kubeVersion 'not a constraint!'"
    )


# --------------------------------------------------------------------------------------------
# 5. bad flags, profiles, rule ids


def _profile(body: str) -> str:
    return "name: mine\ntitle: mine\nfollows: a test\n" + body


PROFILES = {
    "unknown-key.yaml": _profile("rules: {}\nbogus: 1\n"),
    "bad-severity.yaml": _profile("rules:\n  object-count: {severity: fatal}\n"),
    "bad-shorthand.yaml": _profile("rules:\n  object-count: fatal\n"),
    "unknown-rule.yaml": _profile("rules:\n  no-such-rule: error\n"),
    "bad-params.yaml": _profile("rules:\n  object-count: {params: {max_objects: x}}\n"),
    "self.yaml": _profile("extends: self.yaml\nrules: {}\n"),
    "ping.yaml": _profile("extends: pong.yaml\nrules: {}\n"),
    "pong.yaml": _profile("extends: ping.yaml\nrules: {}\n"),
    "extends-bad.yaml": _profile("extends: bad-params.yaml\nrules: {}\n"),
    "extends-nope.yaml": _profile("extends: nope\nrules: {}\n"),
    "backend-rule.yaml": _profile("rules: {}\nbackends:\n  GFN:\n    rules: {no-such-rule: error}\n"),
    "list.yaml": "- not a profile\n",
}

FLAG_CASES: list[tuple[str, list[str], str, tuple[str, ...]]] = [
    ("set-no-value", ["--set", "a.b"], "usage error", ("--set 'a.b': key \"b\" has no value",)),
    ("set-bad-index", ["--set", "a[x]=1"], "usage error", ("--set 'a[x]=1'", "error parsing index")),
    ("set-json", ["--set-json", "a={bad"], "usage error", ("--set-json 'a={bad'", "invalid character 'b'")),
    ("set-file-missing", ["--set-file", "a=nope.txt"], "usage error", ("nope.txt: --set-file file not found",)),
    ("values-missing", ["-f", "missing.yaml"], "usage error", ("missing.yaml: -f/--values file not found",)),
    ("values-list", ["-f", "list-values.yaml"], "usage error", ("list-values.yaml: values must be a YAML mapping, not list",)),
    ("values-malformed", ["-f", "bad-values.yaml"], "usage error", ("bad-values.yaml: line", "invalid values YAML (did not find expected ',' or ']')")),
    ("values-dir", ["-f", "c"], "usage error", ("c: -f/--values file expected, got a directory",)),
    ("configuration-json", ["--configuration", "{bad json"], "usage error", ("--configuration: invalid JSON",)),
    ("configuration-list", ["--configuration", "[1,2]"], "usage error", ("--configuration: configuration must be a JSON object, not list",)),
    ("configuration-file", ["--configuration", "@missing.json"], "usage error", ("missing.json: --configuration file not found",)),
    ("configuration-deep", ["--configuration", "@deep.json"], "usage error", ("deep.json: configuration nested deeper than 200 levels",)),
    ("set-json-deep", ["--set-json", "a=" + "[" * 5000 + "]" * 5000], "usage error",
     ("--set-json 'a=[[[[", "...(10,002 characters)': value nested deeper than 200 levels")),
    ("kube-version", ["--kube-version", "garbage"], "usage error", ("--kube-version: could not parse 'garbage'",)),
    ("release-name", ["--release-name", "Bad_Name"], "usage error", ("--release-name 'Bad_Name': invalid release name",)),
    ("profile-unknown", ["--profile", "nope"], "config error", ("unknown profile 'nope' (built-in: nvcf,",)),
    ("profile-missing", ["--profile", "missing.yaml"], "config error", ("missing.yaml: profile not found",)),
    ("profile-unknown-key", ["--profile", "unknown-key.yaml"], "config error",
     ("unknown-key.yaml: invalid profile at (top level): Additional properties are not allowed ('bogus' was unexpected)",)),
    ("profile-bad-severity", ["--profile", "bad-severity.yaml"], "config error",
     ("bad-severity.yaml: invalid profile at rules/object-count/severity: 'fatal' is not one of",)),
    ("profile-bad-shorthand", ["--profile", "bad-shorthand.yaml"], "config error",
     ("bad-shorthand.yaml: invalid profile at rules/object-count:",)),
    ("profile-unknown-rule", ["--profile", "unknown-rule.yaml"], "config error",
     ("unknown-rule.yaml: unknown rule id 'no-such-rule'",)),
    ("profile-backend-rule", ["--profile", "backend-rule.yaml"], "config error",
     ("backend-rule.yaml: unknown rule id 'no-such-rule'",)),
    ("profile-bad-params", ["--profile", "bad-params.yaml"], "config error",
     ("bad-params.yaml: rule object-count params/max_objects: 'x' is not of type 'integer'",)),
    ("profile-extends-bad", ["--profile", "extends-bad.yaml"], "config error",
     ("extends-bad.yaml: extends: bad-params.yaml: rule object-count params/max_objects",)),
    ("profile-extends-nope", ["--profile", "extends-nope.yaml"], "config error",
     ("extends-nope.yaml: extends: unknown profile 'nope'",)),
    ("profile-self-loop", ["--profile", "self.yaml"], "config error", ("self.yaml: 'extends' loops through 'self.yaml'",)),
    ("profile-loop", ["--profile", "ping.yaml"], "config error", ("'extends' loops through 'ping.yaml'",)),
    ("profile-list", ["--profile", "list.yaml"], "config error", ("list.yaml: a profile must be a YAML mapping",)),
    ("disable-unknown", ["--disable", "no-such-rule"], "usage error", ("--disable: unknown rule id 'no-such-rule'",)),
    ("format", ["--format", "xml"], "usage error", ("Invalid value for '--format': 'xml' is not one of",)),
    ("unknown-option", ["--colour"], "usage error", ("No such option '--colour'",)),
]  # fmt: skip


@pytest.fixture
def flag_dir(tmp_path: Path) -> Path:
    make_chart(tmp_path)
    (tmp_path / "list-values.yaml").write_text("- a\n- b\n")
    (tmp_path / "bad-values.yaml").write_text("a: [1\n")
    (tmp_path / "deep.json").write_text('{"a": ' * 3000 + "1" + "}" * 3000)
    for name, text in PROFILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(("args", "kind", "fragments"), [c[1:] for c in FLAG_CASES], ids=[c[0] for c in FLAG_CASES])
def test_bad_flag(flag_dir: Path, args: list[str], kind: str, fragments: tuple[str, ...]) -> None:
    assert_one_line_error(cli("lint", "c", *args, cwd=flag_dir), kind, *fragments)


def test_bad_flags_subprocess(flag_dir: Path) -> None:
    assert_one_line_error(cli("lint", "c", "--set", "a.b", cwd=flag_dir, in_subprocess=True), "usage error", "--set 'a.b'")
    assert_one_line_error(cli("lint", "c", "--profile", "ping.yaml", cwd=flag_dir, in_subprocess=True), "config error", "loops")
    run = cli("lint", "c", "--format", "xml", cwd=flag_dir, in_subprocess=True)
    assert_one_line_error(run, "usage error", "'--format'", hint="chartguard lint --help")


def test_alias_bomb_in_values_file(tmp_path: Path) -> None:
    # expanding it for Helm once took minutes and gigabytes
    make_chart(tmp_path)
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    run = cli("lint", "c", "-f", "bomb.yaml", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(
        run, "usage error", "bomb.yaml: invalid values YAML (alias bomb: aliases expand beyond 1,000,000 nodes)"
    )


def test_profile_named_like_its_builtin_parent_is_not_a_loop(tmp_path: Path) -> None:
    make_chart(tmp_path)
    (tmp_path / "nvcf-local.yaml").write_text("name: nvcf\ntitle: t\nfollows: f\nextends: nvcf\nrules: {}\n")
    assert cli("lint", "c", "--profile", "nvcf-local.yaml", cwd=tmp_path).code == 0


def test_unknown_rule_and_profile_commands(tmp_path: Path) -> None:
    run = cli("rules", "no-such-rule", cwd=tmp_path, in_subprocess=True)
    assert_one_line_error(run, "usage error", "unknown rule id 'no-such-rule'")
    assert_one_line_error(cli("profiles", "nope", cwd=tmp_path), "config error", "unknown profile 'nope'")
    assert_one_line_error(cli("no-such-command", cwd=tmp_path), "usage error", "No such command 'no-such-command'")
    assert_one_line_error(cli("lint", cwd=tmp_path), "usage error", "Missing argument 'CHART|MANIFEST|-'")


def test_helm_renderer_without_helm_on_path(tmp_path: Path) -> None:
    make_chart(tmp_path)
    (tmp_path / "empty-bin").mkdir()
    run = cli("lint", "c", "--renderer", "helm", cwd=tmp_path, in_subprocess=True, env={"PATH": str(tmp_path / "empty-bin")})
    assert_one_line_error(run, "usage error", "--renderer helm: no 'helm' executable on PATH", hint="--renderer embedded")


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["--set", "a=b"], "--set"),
        (["-f", "values.yaml", "--kube-version", "v1.25.0"], "-f/--values, --kube-version"),
        (["--renderer", "helm"], "--renderer"),
    ],
)
def test_chart_flags_with_manifest_input(tmp_path: Path, args: list[str], flags: str) -> None:
    (tmp_path / "m.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (tmp_path / "values.yaml").write_text("a: 1\n")
    expected = f"{flags}: values and render flags apply to charts, not to rendered manifests (m.yaml)"
    assert_one_line_error(cli("lint", "m.yaml", *args, cwd=tmp_path), "usage error", expected)


def test_chart_flags_with_stdin_subprocess(tmp_path: Path) -> None:
    run = cli("lint", "-", "--set", "a=b", cwd=tmp_path, stdin=b"apiVersion: v1\nkind: ConfigMap\n", in_subprocess=True)
    assert_one_line_error(run, "usage error", "--set: values and render flags apply to charts", "(-)")


# --------------------------------------------------------------------------------------------
# 6. nil pointers in templates


def test_nil_pointer(tmp_path: Path) -> None:
    template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.missing.key }}\n"
    make_chart(tmp_path / "charts", templates={"n.yaml": template})
    message = assert_one_line_error(cli("lint", "charts/c", cwd=tmp_path, in_subprocess=True), "render error", hint="--set")
    assert message == (
        'charts/c/templates/n.yaml:6:15: executing "charts/c/templates/n.yaml" at <.Values.missing.key>:'
        " nil pointer evaluating interface {}.key"
    )
    assert cli("lint", "charts/c", "--set", "missing.key=v", cwd=tmp_path).code == 0


# --------------------------------------------------------------------------------------------
# Ctrl-C


def test_ctrl_c_exits_130_without_traceback(tmp_path: Path) -> None:
    """SIGINT while `lint -` waits for stdin: one line, exit 130 (the shell's code for Ctrl-C)."""
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "chartguard.cli", "lint", "-"], cwd=tmp_path,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait until it blocks reading the pipe (Linux /proc)
            try:
                if "pipe_read" in Path(f"/proc/{proc.pid}/wchan").read_text():
                    break
            except OSError:
                pytest.skip("needs /proc/PID/wchan to know when chartguard waits for stdin")
            time.sleep(0.02)
        else:
            pytest.fail("chartguard never waited for stdin")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (proc.returncode, stderr.decode()) == (130, "chartguard: interrupted\n")
