"""``chartguard fix`` and ``chartguard post-render``, and the fixes of service-type, chart-hooks and
allowed-kinds.

The fixes are checked on objects (they make their rule pass, are idempotent, keep key order and
apply with the independent ``jsonpatch`` package), through the library (``Report.fixes`` and
``chartguard.apply_fixes``), through the CLI (``-o``, ``--diff``, ``--format jsonpatch``, exit
codes, bad input), on NVIDIA's sample charts in ../shared (what remains must be listed in the
README's "Fixing charts" section), and end to end: ``chartguard render --hooks`` piped into
``chartguard post-render`` as real subprocesses, as Helm runs a post-renderer.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml
from helpers.cli import assert_one_line_error, chartguard_command, cli, run_command
from helpers.lint import lint_objects
from helpers.paths import ROOT, SHARED, TESTCHARTS, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import chartguard
from chartguard.findings import Severity
from chartguard.fixes import apply_patch
from chartguard.profile import load_profile
from chartguard.release import chart_release, fix_release
from chartguard.rules import BY_ID
from chartguard.rules.base import Fix, RuleContext
from chartguard.rules.nvcf.service_type import LOAD_BALANCER_FIELDS

FIXABLE = TESTCHARTS / "fixable"

# --------------------------------------------------------------------------------------------
# helpers


def documents(stream: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def kinds(stream: str) -> list[str]:
    return [doc["kind"] for doc in documents(stream)]


def by_kind(stream: str, kind: str) -> dict[str, Any]:
    (obj,) = [doc for doc in documents(stream) if doc["kind"] == kind]
    return obj


def service(spec: dict[str, Any], name: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def fixed_once(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` after the fixes of one lint; checks the patch with the independent ``jsonpatch``."""
    report = lint_objects(obj)
    (patched,) = chartguard.apply_fixes([obj], report)
    for fix in report.fixes:
        assert jsonpatch.apply_patch(obj, list(fix.ops)) == patched
    return patched


# --------------------------------------------------------------------------------------------
# service-type


def test_nodeport_service_becomes_clusterip_keeping_key_order():
    obj = service({"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": None}]})
    report = lint_objects(obj)
    (fix,) = report.fixes
    assert fix.rules == ("service-type",) and not fix.drop
    assert list(fix.ops) == [
        {"op": "replace", "path": "/spec/type", "value": "ClusterIP"},
        {"op": "remove", "path": "/spec/ports/0/nodePort"},
    ]
    (finding,) = [f for f in report.findings if f.rule_id == "service-type"]
    assert finding.fixable and finding.unfixable_reason == ""
    patched = fixed_once(obj)
    assert list(patched["spec"]) == ["type", "selector", "ports"]  # type stays where it was
    assert patched["spec"] == {"type": "ClusterIP", "selector": {"app": "web"}, "ports": [{"port": 80}]}
    assert obj["spec"]["type"] == "NodePort"  # the input is not modified


def test_load_balancer_fields_are_dropped():
    obj = service(
        {
            "type": "LoadBalancer",
            "ports": [{"name": "http", "port": 80}, {"name": "grpc", "port": 9000}],
            "loadBalancerIP": "10.1.2.3",
            "loadBalancerSourceRanges": ["10.0.0.0/8"],
            "loadBalancerClass": "example.com/lb",
            "allocateLoadBalancerNodePorts": False,
            "healthCheckNodePort": 30999,
            "externalTrafficPolicy": "Local",
            "sessionAffinity": "ClientIP",
        }
    )
    patched = fixed_once(obj)
    assert patched["spec"] == {
        "type": "ClusterIP",
        "ports": [{"name": "http", "port": 80}, {"name": "grpc", "port": 9000}],
        "sessionAffinity": "ClientIP",
    }
    assert not lint_objects(patched).findings


def test_external_ips_keep_their_traffic_policy():
    """externalIPs are valid on a ClusterIP Service, and keep externalTrafficPolicy valid."""
    obj = service(
        {"type": "LoadBalancer", "externalIPs": ["192.0.2.10"], "externalTrafficPolicy": "Local", "ports": [{"port": 80}]}
    )
    patched = fixed_once(obj)
    assert patched["spec"] == {
        "type": "ClusterIP",
        "externalIPs": ["192.0.2.10"],
        "externalTrafficPolicy": "Local",
        "ports": [{"port": 80}],
    }


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}, "nodePort 30080 is pinned"),
        ({"type": "LoadBalancer", "ports": [{"port": 80}, {"port": 81, "nodePort": 30081}]}, "nodePort 30081 is pinned"),
        ({"type": "ExternalName", "externalName": "db.example.com"}, "ExternalName Service has no pods behind it"),
    ],
)
def test_unsafe_services_are_reported_not_patched(spec, reason):
    report = lint_objects(service(spec))
    assert report.fixes == []
    (finding,) = [f for f in report.findings if f.rule_id == "service-type"]
    assert not finding.fixable and reason in finding.unfixable_reason
    assert report.to_dict()["findings"][0]["unfixableReason"] == finding.unfixable_reason


def test_service_fix_is_idempotent():
    obj = service({"type": "NodePort", "ports": [{"port": 80, "nodePort": 0}], "externalTrafficPolicy": "Cluster"})
    once = fixed_once(obj)
    assert fixed_once(once) == once
    rule = BY_ID["service-type"]
    assert rule.fix is not None
    assert rule.fix(once, RuleContext(manifests=[], hooks=[], chart=None, backend=None)) == Fix.patch()


NODE_PORTS = st.one_of(st.none(), st.just(0), st.just(""), st.integers(30000, 32767))
PORTS = st.lists(
    st.fixed_dictionaries(
        {"port": st.integers(1, 65535)},
        optional={"name": st.sampled_from(["http", "grpc"]), "targetPort": st.integers(1, 65535), "nodePort": NODE_PORTS},
    ),
    max_size=3,
)
SERVICE_SPECS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from([None, "", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
        "clusterIP": st.sampled_from(["None", "10.0.0.10"]),
        "selector": st.just({"app": "web"}),
        "ports": PORTS,
        "externalName": st.just("db.example.com"),
        "externalIPs": st.lists(st.sampled_from(["192.0.2.10", "192.0.2.11"]), max_size=2, unique=True),
        "externalTrafficPolicy": st.sampled_from(["Cluster", "Local"]),
        "internalTrafficPolicy": st.sampled_from(["Cluster", "Local"]),
        "sessionAffinity": st.sampled_from(["None", "ClientIP"]),
        "loadBalancerIP": st.just("10.1.2.3"),
        "loadBalancerSourceRanges": st.just(["10.0.0.0/8"]),
        "loadBalancerClass": st.just("example.com/lb"),
        "allocateLoadBalancerNodePorts": st.booleans(),
        "healthCheckNodePort": st.integers(30000, 32767),
    },
)


@settings(max_examples=200, deadline=None)
@given(SERVICE_SPECS)
def test_service_fix_properties(spec):
    """Over generated Services: a fixable finding's patch applies with ``jsonpatch`` as with
    chartguard's own, leaves a ClusterIP Service with no NodePort/LoadBalancer-only field (a valid
    object), changes nothing else, makes the rule pass, and is idempotent; an unfixable one is a
    pinned nodePort or an ExternalName Service, and is left alone."""
    obj = service(spec)
    report = lint_objects(obj)
    findings = [f for f in report.findings if f.rule_id == "service-type"]
    assert bool(findings) == (spec.get("type") not in (None, "", "ClusterIP"))
    if not findings:
        assert report.fixes == []
        return
    (finding,) = findings
    pinned = [p["nodePort"] for p in spec.get("ports", []) if p.get("nodePort") not in (None, "", 0)]
    if spec["type"] == "ExternalName" or pinned:
        assert not finding.fixable and finding.unfixable_reason
        assert report.fixes == []
        return
    assert finding.fixable
    (fix,) = report.fixes
    patched = apply_patch(obj, fix.ops)
    assert jsonpatch.apply_patch(obj, list(fix.ops)) == patched
    new = patched["spec"]
    assert new["type"] == "ClusterIP"
    assert all("nodePort" not in port for port in new.get("ports", []))
    assert not set(LOAD_BALANCER_FIELDS) & set(new)
    assert "externalTrafficPolicy" not in new or new.get("externalIPs")
    dropped = {"type", "ports", "externalTrafficPolicy", *LOAD_BALANCER_FIELDS}
    assert {k: v for k, v in new.items() if k not in dropped} == {k: v for k, v in spec.items() if k not in dropped}
    assert [{k: v for k, v in p.items() if k != "nodePort"} for p in spec.get("ports", [])] == new.get("ports", [])
    assert [k for k in new if k in spec] == [k for k in spec if k in new]  # key order kept
    again = lint_objects(patched)
    assert "service-type" not in {f.rule_id for f in again.findings}
    assert again.fixes == []


# --------------------------------------------------------------------------------------------
# chart-hooks and allowed-kinds


def test_hooks_and_test_hooks_are_dropped(testchart):
    report = chartguard.lint_chart(testchart("hooks"))
    dropped = {(fix.object.kind, fix.object.name) for fix in report.fixes if fix.drop}
    assert dropped == {
        ("Job", "mini-service-migrate"),
        ("Pod", "mini-service-test-connection"),
        ("ConfigMap", "mini-service-seed"),
    }
    assert all(fix.rules == ("chart-hooks",) and fix.ops == () for fix in report.fixes)
    assert all(f.fixable for f in report.findings if f.rule_id == "chart-hooks")


def test_crds_are_dropped_and_other_kinds_are_not_safe_to_remove(testchart):
    report = chartguard.lint_chart(testchart("bad-kinds"))
    (crd,) = [fix for fix in report.fixes if fix.object.kind == "CustomResourceDefinition"]
    assert crd.drop and crd.rules == ("allowed-kinds",) and crd.object.name == "widgets.example.com"
    reasons = {f.object.kind: f.unfixable_reason for f in report.findings if f.rule_id == "allowed-kinds" and not f.fixable}
    assert reasons["DaemonSet"] == "removing a DaemonSet changes what the chart deploys"
    assert reasons["Ingress"] == "removing an Ingress changes what the chart deploys"
    assert reasons["ClusterRole"] == "removing a ClusterRole changes what the chart deploys"
    assert reasons["Role"] == "removing a Role changes what the chart deploys"  # a warning without --backend


# --------------------------------------------------------------------------------------------
# library


def test_library_report_fixes_and_apply_fixes():
    """The documented library use: lint, apply ``report.fixes`` to the release and its hooks."""
    report = chartguard.lint_chart(FIXABLE)
    rendered = chartguard.render_chart(FIXABLE)
    objects = [m.obj for m in rendered.manifests + rendered.hooks]  # indexed as Manifest.index
    assert [m.index for m in rendered.manifests + rendered.hooks] == list(range(len(objects)))
    before = copy.deepcopy(objects)

    patched = chartguard.apply_fixes(objects, report)

    assert objects == before  # apply_fixes does not modify its input
    assert [o["kind"] for o in patched] == ["Service", "Deployment"]  # CRD and both hooks dropped
    assert patched[0]["spec"]["type"] == "ClusterIP"
    assert "loadBalancerSourceRanges" not in patched[0]["spec"] and "externalTrafficPolicy" not in patched[0]["spec"]
    again = chartguard.lint_manifests(patched)
    assert not again.failed()
    assert not {"service-type", "chart-hooks", "allowed-kinds"} & {f.rule_id for f in again.findings}
    # every fix is a plain RFC 6902 patch: the independent jsonpatch package applies it the same way
    for fix in report.fixes:
        if not fix.drop:
            assert jsonpatch.apply_patch(objects[fix.index], list(fix.ops)) == apply_patch(objects[fix.index], fix.ops)


def test_library_on_a_rendered_stream():
    """With ``helm template`` output: objects in stream order, as ``lint_manifests`` numbers them."""
    stream = chartguard.render_chart(FIXABLE).stream(include_hooks=True)
    report = chartguard.lint_manifests(stream)
    patched = chartguard.apply_fixes(documents(stream), report)
    assert [o["kind"] for o in patched] == ["Service", "Deployment"]
    assert report.to_dict()["fixes"] == [fix.to_dict() for fix in report.fixes]


# --------------------------------------------------------------------------------------------
# chartguard fix


def test_fix_writes_the_patched_stream(tmp_path):
    out = tmp_path / "patched.yaml"
    run = cli("fix", str(FIXABLE), "-o", str(out))
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    stream = out.read_text(encoding="utf-8")
    assert kinds(stream) == ["Service", "Deployment"]
    assert by_kind(stream, "Service")["spec"]["type"] == "ClusterIP"
    # like `helm template`: every document under `---` and its template's `# Source:` comment
    assert re.findall(r"^---\n# Source: (\S+)$", stream, re.MULTILINE) == [
        "fixable/templates/service.yaml",
        "fixable/templates/deployment.yaml",
    ]
    # a multi-line string is written back as a block, and means the same
    assert "            - |\n              hello\n" in stream
    assert (
        by_kind(stream, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"][1]
        == "hello\nfrom a multi-line argument\n"
    )
    lines = run.stderr.splitlines()
    assert "dropped: CustomResourceDefinition gadgets.example.com [allowed-kinds]" in lines
    assert "fixed: Service mini-service-echo: 3 operations [service-type]" in lines
    assert "dropped: Job mini-service-migrate [chart-hooks]" in lines
    assert "dropped: Pod mini-service-test-connection [chart-hooks]" in lines
    assert "after fixing:" in lines
    assert lines[-1].startswith("PASS: 0 errors") and "in 2 objects (" in lines[-1]


def test_fix_keeps_untouched_objects_verbatim():
    rendered = cli("render", str(TESTCHARTS / "bad-service")).stdout
    run = cli("fix", str(TESTCHARTS / "bad-service"))
    assert run.code == 0
    headless = rendered.split("---\n")[1]
    assert headless.startswith("# Source: bad-service/templates/headless.yaml\n# Headless:")
    assert headless in run.stdout  # comments and all: the object needed no fix
    assert by_kind(run.stdout.split("---\n", 2)[2], "Service")["spec"] == {
        "type": "ClusterIP",
        "selector": {"app": "api"},
        "ports": [{"port": 8080}],
    }


def test_fix_diff():
    run = cli("fix", str(FIXABLE), "--diff")
    assert run.code == 0
    assert run.stdout.startswith(f"--- {FIXABLE} (rendered)\n+++ {FIXABLE} (fixed)\n")
    assert "-  type: LoadBalancer\n" in run.stdout and "+  type: ClusterIP\n" in run.stdout
    assert "-kind: CustomResourceDefinition\n" in run.stdout and "-  name: mini-service-migrate\n" in run.stdout


def test_fix_diff_shows_only_what_changed():
    """Repeated lines (labels on every object) stay context in a long stream (no difflib autojunk)."""
    labels = "  labels:\n    app.kubernetes.io/name: big\n    app.kubernetes.io/instance: rel\n"
    configmaps = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n{labels}data:\n  k: v\n" for i in range(40)
    )
    stream = f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n{labels}spec:\n  type: NodePort\n  ports:\n    - port: 80\n{configmaps}"
    run = cli("fix", "-", "--diff", stdin=stream)
    assert run.code == 0, run.stderr
    changed = [line for line in run.stdout.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-  type: NodePort", "+  type: ClusterIP"]


def test_fix_diff_with_output_writes_both(tmp_path):
    out = tmp_path / "patched.yaml"
    run = cli("fix", str(FIXABLE), "--diff", "-o", str(out))
    assert run.code == 0 and run.stdout.startswith("--- ")
    assert kinds(out.read_text(encoding="utf-8")) == ["Service", "Deployment"]


def test_fix_format_jsonpatch(tmp_path):
    run = cli("fix", str(FIXABLE), "--format", "jsonpatch")
    assert run.code == 0, run.stderr
    patches = json.loads(run.stdout)
    assert all(set(p) == {"index", "object", "drop", "rules", "patch"} for p in patches)
    by_name = {(p["object"]["kind"], p["object"]["name"]): p for p in patches}
    assert by_name[("CustomResourceDefinition", "gadgets.example.com")] == {
        "index": 0,
        "object": {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "name": "gadgets.example.com",
            "namespace": "",
        },
        "drop": True,
        "rules": ["allowed-kinds"],
        "patch": [],
    }
    svc = by_name[("Service", "mini-service-echo")]
    assert svc["patch"] == [
        {"op": "replace", "path": "/spec/type", "value": "ClusterIP"},
        {"op": "remove", "path": "/spec/loadBalancerSourceRanges"},
        {"op": "remove", "path": "/spec/externalTrafficPolicy"},
    ]
    # the patches apply, with the independent jsonpatch package, to the stream `chartguard render` prints
    objects = documents(cli("render", str(FIXABLE), "--hooks").stdout)
    patched = jsonpatch.apply_patch(objects[svc["index"]], svc["patch"])
    assert patched["spec"]["type"] == "ClusterIP"
    assert {p["index"] for p in patches if p["drop"]} == {
        i for i, o in enumerate(objects) if o["kind"] in ("CustomResourceDefinition", "Job", "Pod")
    }
    out = tmp_path / "patches.json"
    assert cli("fix", str(FIXABLE), "--format", "jsonpatch", "-o", str(out)).stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == patches


def test_fix_reads_manifests_from_stdin_and_files(tmp_path):
    stream = cli("render", str(FIXABLE), "--hooks").stdout
    run = cli("fix", "-", stdin=stream)
    assert run.code == 0 and kinds(run.stdout) == ["Service", "Deployment"]
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(stream, encoding="utf-8")
    assert cli("fix", str(manifest)).stdout == run.stdout


def test_fix_exit_codes_follow_the_relint(testchart):
    run = cli("fix", str(testchart("bad-kinds")))
    assert run.code == 1  # the DaemonSet, ClusterRole, CronJob and Ingress cannot be removed safely
    assert "CustomResourceDefinition" not in kinds(run.stdout) and "DaemonSet" in kinds(run.stdout)
    assert (
        "not fixed: DaemonSet mini-service-agent: removing a DaemonSet changes what the chart deploys [allowed-kinds]"
        in run.stderr
    )
    assert run.stderr.rstrip().splitlines()[-1].startswith("FAIL: 4 errors")
    assert cli("fix", str(testchart("bad-kinds")), "--fail-on", "never").code == 0
    assert cli("fix", str(testchart("good"))).stderr.startswith("nothing to fix\n")


def test_fix_takes_the_lint_options(testchart):
    """Values, render and policy flags are lint's own (shared decorators)."""
    run = cli("fix", str(testchart("bad-service")), "--set", "service.type=ExternalName", "--release-name", "rel")
    assert run.code == 1
    assert "not fixed: Service rel-api: an ExternalName Service has no pods behind it" in run.stderr
    assert cli("fix", str(testchart("bad-kinds")), "--disable", "allowed-kinds").code == 0
    fix_help = cli("fix", "--help").stdout
    for flag in (
        "--set-json",
        "--configuration",
        "--kube-version",
        "--renderer",
        "--strict",
        "--pss-level",
        "--function",
        "--fail-on",
    ):
        assert flag in fix_help


@pytest.mark.parametrize(
    ("args", "kind", "fragments"),
    [
        (("fix", "no-such-chart"), "input error", ("no-such-chart",)),
        (("fix", "-", "--set", "a=b"), "usage error", ("--set", "rendered manifests")),
        (("fix", str(FIXABLE), "--format", "xml"), "usage error", ("--format",)),
        (("fix", str(FIXABLE), "-o", "/no/such/dir/out.yaml"), "usage error", ("--output /no/such/dir/out.yaml",)),
        (("fix", str(FIXABLE), "--disable", "no-such-rule"), "usage error", ("no-such-rule",)),
    ],
)
def test_fix_bad_input(args, kind, fragments):
    assert_one_line_error(cli(*args, stdin="kind: ConfigMap\n"), kind, *fragments)


def test_fix_bad_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: [\n", encoding="utf-8")
    assert_one_line_error(cli("fix", str(bad)), "input error", "bad.yaml", "invalid YAML")


def test_fix_bad_input_subprocess(tmp_path):
    assert_one_line_error(run_command(chartguard_command("fix", str(tmp_path / "missing"))), "input error", "missing")


# --------------------------------------------------------------------------------------------
# chartguard post-render


def post_render_pipeline(
    chart: Path, *post_render_args: str, render_args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``chartguard render CHART --hooks | chartguard post-render``, two real processes and a pipe."""
    with subprocess.Popen(chartguard_command("render", str(chart), "--hooks", *render_args), stdout=subprocess.PIPE) as render:
        post = subprocess.run(
            chartguard_command("post-render", *post_render_args),
            stdin=render.stdout,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert render.wait(timeout=120) == 0
    return post


def test_post_render_end_to_end():
    post = post_render_pipeline(FIXABLE)
    assert post.returncode == 0, post.stderr
    stream = post.stdout
    assert kinds(stream) == ["Service", "Deployment"]  # CRD, pre-install hook and test hook gone
    assert all("helm.sh/hook" not in (doc["metadata"].get("annotations") or {}) for doc in documents(stream))
    assert by_kind(stream, "Service")["spec"] == {
        "type": "ClusterIP",
        "selector": {"app.kubernetes.io/name": "fixable", "app.kubernetes.io/instance": "mini-service"},
        "ports": [{"name": "http", "port": 8000, "targetPort": "http"}],
    }
    assert "# Source: fixable/templates/service.yaml\n" in stream
    assert "dropped: CustomResourceDefinition gadgets.example.com [allowed-kinds]" in post.stderr
    # re-linting the post-rendered stream passes, with the same report as post-render's
    relint = chartguard.lint_manifests(stream)
    assert not relint.failed()
    assert not {"service-type", "chart-hooks", "allowed-kinds"} & {f.rule_id for f in relint.findings}
    assert post.stderr.rstrip().splitlines()[-1].startswith("PASS: 0 errors")


SECURITY_RULES = (
    "pss-allow-privilege-escalation",
    "pss-capabilities-restricted",
    "pss-seccomp-profile-restricted",
    "pss-run-as-non-root",
)


def test_post_render_applies_security_defaults():
    missing = [rule for rule in SECURITY_RULES if BY_ID[rule].fix is None]
    if missing:
        pytest.skip(f"no fix yet for {', '.join(missing)} (written separately)")
    post = post_render_pipeline(FIXABLE, "--strict")
    assert post.returncode == 0, post.stderr
    pod = by_kind(post.stdout, "Deployment")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    contexts = [pod.get("securityContext", {}), container["securityContext"]]
    assert any(c.get("seccompProfile", {}).get("type") == "RuntimeDefault" for c in contexts)
    assert any(c.get("runAsNonRoot") is True for c in contexts)
    assert not chartguard.lint_manifests(post.stdout, strict=True).failed()


DAEMONSET = """\
---
# Source: agent/templates/daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: nvcr.io/myorg/agent:1.0.0
---
# Source: agent/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: agent
spec:
  type: NodePort
  ports:
    - port: 80
"""


def test_post_render_refuses_unfixable_errors():
    """Helm fails the install when the post-renderer exits non-zero (and ignores its stdout):
    chartguard writes nothing on stdout then, and the report on stderr."""
    post = run_command(chartguard_command("post-render"), stdin=DAEMONSET)
    assert post.code == 1
    assert post.stdout == ""
    assert "fixed: Service agent: 1 operation [service-type]" in post.stderr
    assert "not fixed: DaemonSet agent: removing a DaemonSet changes what the chart deploys [allowed-kinds]" in post.stderr
    assert "error: kind not supported (DaemonSet agent: apps/v1/DaemonSet) [allowed-kinds]" in post.stderr
    assert post.stderr.rstrip().splitlines()[-1].startswith("FAIL: 1 error")
    assert "Traceback" not in post.stderr


def test_post_render_warnings_go_to_stderr():
    stream = DAEMONSET.split("---\n")[2].replace("port: 80", "port: 80\n      targetPort: 8080")
    stream += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nvcr.io/a/b:latest\n"
    run = cli("post-render", stdin=stream)
    assert run.code == 0
    assert kinds(run.stdout) == ["Service", "Pod"]
    assert "warning: image not pinned" in run.stderr
    assert cli("post-render", "--fail-on", "warning", stdin=stream).stdout == ""


def test_post_render_keeps_helm4_filename_annotations():
    """Helm 4 sends documents without ``# Source:``, each annotated with its template file, and
    hooks too (its default "combined" post-render strategy)."""
    stream = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n"
        "    postrenderer.helm.sh/postrender-filename: c/templates/service.yaml\n"
        "spec:\n  type: NodePort\n  ports:\n  - port: 80\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n"
        "    postrenderer.helm.sh/postrender-filename: c/templates/tests/t.yaml\n"
        "spec:\n  containers:\n  - name: t\n    image: nvcr.io/a/t:1.0\n"
    )
    run = cli("post-render", stdin=stream)
    assert run.code == 0, run.stderr
    (svc,) = documents(run.stdout)
    assert svc["metadata"]["annotations"] == {"postrenderer.helm.sh/postrender-filename": "c/templates/service.yaml"}
    assert svc["spec"]["type"] == "ClusterIP"


def test_post_render_bad_input():
    assert_one_line_error(cli("post-render", stdin="kind: [\n"), "input error", "<stdin>", "invalid YAML")
    assert_one_line_error(cli("post-render", "--profile", "no-such-profile", stdin=""), "config error")
    run = run_command(chartguard_command("post-render"), stdin="- a list\n")
    assert_one_line_error(run, "input error", "not a Kubernetes object")


PLUGIN = ROOT / "docs" / "helm4-plugin"


def test_helm4_plugin_manifest():
    """The fields Helm 4 reads from a postrenderer/v1 subprocess plugin (helm/helm internal/plugin)."""
    plugin = yaml.safe_load((PLUGIN / "plugin.yaml").read_text(encoding="utf-8"))
    assert plugin["apiVersion"] == "v1" and plugin["type"] == "postrenderer/v1" and plugin["runtime"] == "subprocess"
    assert plugin["name"] == "chartguard" and re.fullmatch(r"\d+\.\d+\.\d+", plugin["version"])
    (command,) = plugin["runtimeConfig"]["platformCommand"]
    assert command == {"command": "${HELM_PLUGIN_DIR}/post-render.sh"}
    assert os.access(PLUGIN / "post-render.sh", os.X_OK)


def test_helm4_plugin_script(tmp_path):
    """Run the plugin's command as Helm 4 would: manifests on stdin, --post-renderer-args appended,
    stderr captured (and dropped) by Helm, so the report goes to CHARTGUARD_REPORT."""
    report = tmp_path / "report.txt"
    env = {"HELM_PLUGIN_DIR": str(PLUGIN), "CHARTGUARD": chartguard_command()[0], "CHARTGUARD_REPORT": str(report)}
    if len(chartguard_command()) > 1:
        pytest.skip("no chartguard executable next to this Python")
    ok = run_command([str(PLUGIN / "post-render.sh")], stdin=DAEMONSET.split("---\n")[2], env=env)
    assert ok.code == 0 and ok.stderr == ""
    assert by_kind(ok.stdout, "Service")["spec"]["type"] == "ClusterIP"
    refused = run_command([str(PLUGIN / "post-render.sh"), "--strict"], stdin=DAEMONSET, env=env)
    assert refused.code == 1 and refused.stdout == "" and refused.stderr == ""
    text = report.read_text(encoding="utf-8")
    assert "not fixed: DaemonSet agent: removing a DaemonSet changes what the chart deploys [allowed-kinds]" in text
    assert "strict" in text.splitlines()[-1]  # --post-renderer-args reached chartguard


# --------------------------------------------------------------------------------------------
# NVIDIA's samples (../shared): what `chartguard fix --strict` leaves is documented in the README


NVIDIA_SAMPLES = (
    sorted(
        p.name for p in (SHARED / "charts").iterdir() if p.name.startswith(("nvcf-", "nvca-")) and (p / "Chart.yaml").is_file()
    )
    if (SHARED / "charts").is_dir()
    else []
)
SAMPLE_VALUES = {"nvcf-oss-dynamo-operator-test": ["hfToken=x"]}


def documented_remains() -> dict[str, set[str]]:
    """README "Fixing charts": ``| `sample` | `rule`, `rule` |`` rows of the samples table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Fixing charts\n", 1)[1].split("\n## ", 1)[0]
    table = section.split("<!-- samples-after-fix -->", 2)[1]
    remains = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            remains[cells[0].strip("`")] = set(re.findall(r"`([a-z0-9-]+)`", cells[1]))
    return remains


def test_readme_lists_every_nvidia_sample():
    shared_path("charts")
    assert sorted(documented_remains()) == NVIDIA_SAMPLES


@pytest.mark.parametrize("name", NVIDIA_SAMPLES or ["<absent>"])
def test_nvidia_sample_after_fix(name, tmp_path):
    chart = shared_path("charts", name)
    documented = documented_remains()[name]
    fixed = fix_release(chart_release(chart, profile=load_profile("nvcf", strict=True), set_values=SAMPLE_VALUES.get(name, [])))

    left = {f.rule_id for f in fixed.relint.findings}
    assert left <= documented, f"{name}: {sorted(left - documented)} left after fixing, not in README 'Fixing charts'"
    assert left == documented, f"{name}: README 'Fixing charts' lists {sorted(documented - left)}, which fix now repairs"
    for finding in fixed.relint.findings:
        rule = BY_ID[finding.rule_id]
        if rule.fix is not None:  # a rule with a fix may leave a finding only where it said why
            reasons = {f.unfixable_reason for f in fixed.report.findings if f.rule_id == rule.id and f.index >= 0}
            assert all(reasons), (name, rule.id, reasons)
    # the CLI does the same: exit code from the re-lint, and the written stream re-lints the same way
    out = tmp_path / "fixed.yaml"
    sets = [arg for value in SAMPLE_VALUES.get(name, []) for arg in ("--set", value)]
    run = cli("fix", str(chart), "--strict", "-o", str(out), *sets)
    assert run.code == (1 if fixed.relint.failed(Severity.ERROR) else 0), run.stderr
    relint = chartguard.lint_manifests(out.read_text(encoding="utf-8"), strict=True)
    assert {f.rule_id for f in relint.findings} <= documented
