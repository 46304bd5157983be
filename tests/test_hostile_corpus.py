"""A corpus of hostile inputs, each run through the real CLI as a process: every one ends within
20 s and 1 GiB (peak resident memory of the process and its engine worker), with exit 0, 1 or 2,
no traceback, and at most one error line plus a hint, bounded in length.

The inputs are built here (archives, charts, templates, values, manifests, admission reviews and
fetch targets); ``tests/hostile/`` holds the ones that are plain files."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

CHART = "apiVersion: v2\nname: c\nversion: 1.0.0\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n"
RUNNER = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    started = time.monotonic()
    stdin = open(sys.argv[1], "rb") if sys.argv[1] != "-" else subprocess.DEVNULL
    run = subprocess.run(sys.argv[2:], stdin=stdin, capture_output=True, timeout=60)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    sys.stdout.write(f"{run.returncode} {peak} {time.monotonic() - started:.2f}\\n")
    sys.stdout.flush()
    sys.stderr.buffer.write(run.stderr)
    """
)


def tgz(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1) as zipped, tarfile.open(fileobj=zipped, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    path.write_bytes(buffer.getvalue())
    return path


def entry(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def chart(
    root: Path, templates: dict[str, str] | None = None, files: dict[str, str] | None = None, values: str = "a: b\n"
) -> str:
    base = root / "c"
    (base / "templates").mkdir(parents=True, exist_ok=True)
    (base / "Chart.yaml").write_text(CHART)
    (base / "values.yaml").write_text(values)
    for name, text in (templates if templates is not None else {"cm.yaml": CM}).items():
        (base / "templates" / name).write_text(text)
    for name, text in (files or {}).items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(text)
    return "c"


def manifest(root: Path, text: str | bytes, name: str = "m.yaml") -> str:
    path = root / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return name


def nested_archives(root: Path, depth: int) -> str:
    data = b""
    for level in range(depth, -1, -1):
        members = [entry(f"s{level}/Chart.yaml", f"apiVersion: v2\nname: s{level}\nversion: 1.0.0\n".encode())]
        if data:
            members.append(entry(f"s{level}/charts/s{level + 1}.tgz", data))
        data = tgz(root / "x.tgz", members).read_bytes()
    (root / "x.tgz").write_bytes(data)
    return "x.tgz"


def subchart_bomb(root: Path) -> str:
    name = chart(root)
    (root / "c" / "charts").mkdir()
    blob = tgz(
        root / "s.tgz",
        [entry("s/Chart.yaml", b"apiVersion: v2\nname: s\nversion: 1.0.0\n")]
        + [entry(f"s/f{i}", b"\0" * 5_000_000) for i in range(19)],
    )
    for i in range(40):
        (root / "c" / "charts" / f"s{i}.tgz").write_bytes(blob.read_bytes())
    return name


def review(obj: dict, spec: str = "", **request: object) -> str:
    """An AdmissionReview of ``obj`` (its ``spec`` given as JSON text when deep)."""
    body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u", "operation": "CREATE",
            "kind": {"group": "", "version": "v1", "kind": obj.get("kind", "Pod")}, "object": obj, **request}}  # fmt: skip
    text = json.dumps(body)
    return text.replace('"spec": "SPEC"', f'"spec": {spec}') if spec else text


def deep(levels: int) -> str:
    """JSON text of a mapping nested ``levels`` deep (built as text: json.dumps would recurse)."""
    return '{"a": ' * levels + '"x"' + "}" * levels


REVIEW_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from chartguard.admission import ReviewError, review
    from chartguard.profile import load_profile
    try:
        answer = review(json.load(open(sys.argv[1])), mode=sys.argv[2], profile=load_profile("nvcf-webhook"))
    except ReviewError as exc:  # a malformed review: the server answers 400
        sys.exit(f"chartguard: bad review: {exc}"[:2000])
    print(json.dumps(answer)[:2000])
    """
)

Case = Callable[[Path], tuple[list[str], str]]  # → (chartguard arguments, stdin file or "-")
CASES: dict[str, Case] = {
    # archives
    "archive-absolute": lambda t: (["lint", str(tgz(t / "a.tgz", [entry("/etc/x", b"x")]))], "-"),
    "archive-dotdot": lambda t: (["lint", str(tgz(t / "a.tgz", [entry("c/../../x", b"x")]))], "-"),
    "archive-symlink": lambda t: (
        [
            "lint",
            str(
                tgz(
                    t / "a.tgz",
                    [entry("c/Chart.yaml", CHART.encode()), entry("c/templates/p", kind=tarfile.SYMTYPE, link="/etc/passwd")],
                )
            ),
        ],
        "-",
    ),
    "archive-hardlink": lambda t: (
        [
            "lint",
            str(
                tgz(t / "a.tgz", [entry("c/Chart.yaml", CHART.encode()), entry("c/x", kind=tarfile.LNKTYPE, link="/etc/passwd")])
            ),
        ],
        "-",
    ),
    "archive-fifo": lambda t: (
        ["lint", str(tgz(t / "a.tgz", [entry("c/Chart.yaml", CHART.encode()), entry("c/p", kind=tarfile.FIFOTYPE)]))],
        "-",
    ),
    "archive-device": lambda t: (
        ["lint", str(tgz(t / "a.tgz", [entry("c/Chart.yaml", CHART.encode()), entry("c/d", kind=tarfile.CHRTYPE)]))],
        "-",
    ),
    "archive-big-entry": lambda t: (
        ["lint", str(tgz(t / "a.tgz", [entry("c/Chart.yaml", CHART.encode()), entry("c/b", b"\0" * 6_000_000)]))],
        "-",
    ),
    "archive-bomb": lambda t: (
        [
            "lint",
            str(
                tgz(
                    t / "a.tgz",
                    [entry("c/Chart.yaml", CHART.encode())] + [entry(f"c/f{i}", b"\0" * 5_000_000) for i in range(22)],
                )
            ),
        ],
        "-",
    ),
    "archive-truncated": lambda t: (["lint", manifest(t, gzip.compress(b"x" * 100000)[:500], "a.tgz")], "-"),
    "archive-not-gzip": lambda t: (["lint", manifest(t, b"this is not an archive", "a.tgz")], "-"),
    "archive-no-chart-yaml": lambda t: (["lint", str(tgz(t / "a.tgz", [entry("c/values.yaml", b"a: 1")]))], "-"),
    "archive-two-roots": lambda t: (
        ["lint", str(tgz(t / "a.tgz", [entry("c/Chart.yaml", CHART.encode()), entry("d/Chart.yaml", CHART.encode())]))],
        "-",
    ),
    "archive-ansi-name": lambda t: (["lint", str(tgz(t / "a.tgz", [entry("c/\x1b[2K\rFAKE: PASS\n", b"x")]))], "-"),
    "archive-empty": lambda t: (["lint", str(tgz(t / "a.tgz", []))], "-"),
    "archive-nested-too-deep": lambda t: (["lint", nested_archives(t, 12)], "-"),
    "archive-subchart-bomb": lambda t: (["lint", subchart_bomb(t)], "-"),
    # charts
    "chart-no-chart-yaml": lambda t: (["lint", str(t)], "-"),
    "chart-malformed-yaml": lambda t: (["lint", chart(t, files={"Chart.yaml": "name: [c\n"})], "-"),
    "chart-deep-chart-yaml": lambda t: (["lint", chart(t, files={"Chart.yaml": "a: " + "[" * 50000 + "]" * 50000})], "-"),
    "chart-huge-chart-yaml": lambda t: (["lint", chart(t, files={"Chart.yaml": CHART + "#" * 6_000_000})], "-"),
    "chart-values-symlink-device": lambda t: (
        ["lint", (chart(t), (t / "c" / "values.yaml").unlink(), (t / "c" / "values.yaml").symlink_to("/dev/zero"))[0]],
        "-",
    ),
    "chart-template-symlink-passwd": lambda t: (
        ["lint", (chart(t), (t / "c" / "templates" / "p.yaml").symlink_to("/etc/passwd"))[0]],
        "-",
    ),
    "chart-values-fifo": lambda t: (
        ["lint", (chart(t), (t / "c" / "values.yaml").unlink(), os.mkfifo(t / "c" / "values.yaml"))[0]],
        "-",
    ),
    "chart-schema-http-ref": lambda t: (
        ["lint", chart(t, files={"values.schema.json": '{"$ref": "http://127.0.0.1:9/x"}'})],
        "-",
    ),
    "chart-schema-file-ref": lambda t: (["lint", chart(t, files={"values.schema.json": '{"$ref": "file:///etc/shadow"}'})], "-"),
    "chart-schema-not-json": lambda t: (["lint", chart(t, files={"values.schema.json": "{nope"})], "-"),
    "chart-helmignore-doublestar": lambda t: (["lint", chart(t, files={".helmignore": "**/x\n"})], "-"),
    "chart-symlink-loop": lambda t: (["lint", (chart(t), (t / "c" / "loop").symlink_to("."))[0]], "-"),
    # templates
    "template-nested-range": lambda t: (
        [
            "lint",
            chart(t, {"a.yaml": "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}"}),
            "--render-timeout",
            "3",
        ],
        "-",
    ),
    "template-range-huge": lambda t: (
        ["lint", chart(t, {"a.yaml": "{{- range until 100000000 }}{{- end }}"}), "--render-timeout", "3"],
        "-",
    ),
    "template-repeat": lambda t: (["lint", chart(t, {"a.yaml": 'a: {{ repeat 1000000000 "x" }}'})], "-"),
    "template-tpl-recursion": lambda t: (
        ["lint", chart(t, {"a.yaml": '{{ tpl "{{ tpl .Template.Name . }}" . }}'}), "--render-timeout", "3"],
        "-",
    ),
    "template-include-recursion": lambda t: (
        ["lint", chart(t, {"a.yaml": '{{ define "x" }}{{ include "x" . }}{{ end }}{{ include "x" . }}'})],
        "-",
    ),
    "template-genprivatekey": lambda t: (
        [
            "lint",
            chart(t, {"a.yaml": '{{- range until 200 }}{{ genPrivateKey "rsa" | len }}{{- end }}'}),
            "--render-timeout",
            "5",
        ],
        "-",
    ),
    "template-fail": lambda t: (["lint", chart(t, {"a.yaml": '{{ fail "\\x1b[31mred\\nFAKE: PASS" }}'})], "-"),
    "template-invalid-yaml": lambda t: (["lint", chart(t, {"a.yaml": "a: [b\n"})], "-"),
    "template-list-doc": lambda t: (["lint", chart(t, {"a.yaml": "- a\n- b\n"})], "-"),
    "template-whitespace-line": lambda t: (
        ["lint", chart(t, {"a.yaml": CM + " " * 100_000 + "\n---\n" + CM.replace("cm", "cm2")})],
        "-",
    ),
    "template-kind-mapping": lambda t: (
        ["lint", chart(t, {"a.yaml": "apiVersion: v1\nkind: {a: b}\nmetadata: {name: x}\n"})],
        "-",
    ),
    # values and flags
    "values-dev-zero": lambda t: (["lint", chart(t), "-f", "/dev/zero"], "-"),
    "values-stdin-dev-zero": lambda t: (["lint", chart(t), "-f", "-"], "/dev/zero"),
    "values-directory": lambda t: (["lint", chart(t), "-f", str(t)], "-"),
    "values-set-file-dev-zero": lambda t: (["lint", chart(t), "--set-file", "a=/dev/zero"], "-"),
    "values-configuration-dev-zero": lambda t: (["lint", chart(t), "--configuration", "@/dev/zero"], "-"),
    "values-configuration-deep": lambda t: (["lint", chart(t), "--configuration", deep(5000)], "-"),
    "values-set-json-deep": lambda t: (["lint", chart(t), "--set-json", "a=" + "[" * 5000 + "]" * 5000], "-"),
    "values-set-bad": lambda t: (["lint", chart(t), "--set", "a[999999999]=1"], "-"),
    "values-function-dev-zero": lambda t: (["lint", chart(t), "--function", "/dev/zero"], "-"),
    "values-profile-dev-zero": lambda t: (["lint", chart(t), "--profile", "/dev/zero"], "-"),
    # manifests
    "manifest-alias-bomb": lambda t: (
        [
            "lint",
            manifest(
                t,
                "a: &a [x,x,x,x,x,x,x,x,x]\n"
                + "".join(
                    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
                ),
            ),
        ],
        "-",
    ),
    "manifest-deep-flow": lambda t: (["lint", manifest(t, "a: " + "[" * 100000 + "]" * 100000)], "-"),
    "manifest-deep-indent": lambda t: (["lint", manifest(t, "".join(" " * i + "a:\n" for i in range(5000)))], "-"),
    "manifest-not-utf8": lambda t: (["lint", manifest(t, b"apiVersion: v1\nkind: \xe9\n")], "-"),
    "manifest-stdin-spaces": lambda t: (["lint", "-"], manifest(t, " " * 80_000)),
    "manifest-stdin-dev-zero": lambda t: (["lint", "-"], "/dev/zero"),
    "manifest-many-objects": lambda t: (
        ["lint", manifest(t, "".join(f"---\n{CM.replace('cm', f'c{i}')}" for i in range(20000)))],
        "-",
    ),
    "manifest-control-chars": lambda t: (
        ["lint", manifest(t, CM.replace("cm", '"a\\x1b[2Kb\\u0007"')), "--format", "junit"],
        "-",
    ),
    "manifest-inf-gpu": lambda t: (
        [
            "lint",
            manifest(
                t,
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nvcr.io/a/b:1\n    resources: {limits: {nvidia.com/gpu: .inf}}\n",
            ),
        ],
        "-",
    ),
    "manifest-huge-int": lambda t: (
        [
            "lint",
            manifest(
                t,
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: b\n    securityContext: {runAsUser: "
                + "9" * 5000
                + "}\n",
            ),
        ],
        "-",
    ),
    "manifest-scalar": lambda t: (["lint", manifest(t, "just a string\n")], "-"),
    "fix-secret-diff": lambda t: (
        [
            "fix",
            manifest(
                t,
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations: {helm.sh/hook: pre-install}\nstringData: {password: hunter2}\n",
            ),
            "--diff",
        ],
        "-",
    ),
    # fetch targets (the helm-reval API's library, no network: refused before any connection)
    "fetch-private-address": lambda t: (
        [
            sys.executable,
            "-c",
            "import json; from chartguard import helmreval; print(json.dumps(helmreval.validate({'helmChart': 'https://10.0.0.1/c.tgz'})))",
        ],
        "-",
    ),
    "fetch-loopback": lambda t: (
        [
            sys.executable,
            "-c",
            "import json; from chartguard import helmreval; print(json.dumps(helmreval.validate({'helmChart': 'https://127.0.0.1:1/c.tgz'})))",
        ],
        "-",
    ),
    "fetch-file-url": lambda t: (
        [
            sys.executable,
            "-c",
            "import json; from chartguard import helmreval; print(json.dumps(helmreval.validate({'helmChart': 'file:///etc/passwd'})))",
        ],
        "-",
    ),
    # admission reviews (the webhook's decision core)
    "review-deep-object": lambda t: (
        [
            sys.executable,
            "-c",
            REVIEW_SCRIPT,
            manifest(
                t,
                review(
                    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": "SPEC"}, spec=deep(985)
                ),
                "r.json",
            ),
            "validate",
        ],
        "-",
    ),
    "review-many-containers": lambda t: (
        [
            sys.executable,
            "-c",
            REVIEW_SCRIPT,
            manifest(
                t,
                review(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {"name": "p"},
                        "spec": {"containers": [{"name": f"c{i}", "image": "b"} for i in range(20000)]},
                    }
                ),
                "r.json",
            ),
            "mutate",
        ],
        "-",
    ),
    "review-subresource-list": lambda t: (
        [
            sys.executable,
            "-c",
            REVIEW_SCRIPT,
            manifest(t, review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}, subResource=["x"]), "r.json"),
            "validate",
        ],
        "-",
    ),
}


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_bounded(tmp_path, name):
    args, stdin = CASES[name](tmp_path)
    command = args if args[0] == sys.executable else [sys.executable, "-m", "chartguard.cli", *args]
    stdin_path = stdin if stdin in ("-", "/dev/zero") else str(tmp_path / stdin)
    run = subprocess.run([sys.executable, "-c", RUNNER, stdin_path, *command], cwd=tmp_path, capture_output=True, timeout=90)
    code, peak, seconds = run.stdout.decode().split()
    stderr = run.stderr.decode("utf-8", "replace")
    assert int(code) in (0, 1, 2), stderr[-2000:]
    assert float(seconds) <= 20, f"{seconds} s"
    assert int(peak) <= 1024**3, f"peak RSS {int(peak) / 2**20:.0f} MiB"
    assert "Traceback" not in stderr, stderr[-2000:]
    if name == "review-deep-object":  # the webhook fails closed: a check that cannot run denies
        assert '"allowed": false' in subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60).stdout
    if int(code) == 2 and args[0] != sys.executable:
        lines = stderr.splitlines()
        assert 1 <= len(lines) <= 2 and lines[0].startswith("chartguard: "), lines[:5]
