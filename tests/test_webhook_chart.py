"""webhook/: the Helm chart that deploys chartguard as an admission webhook, and its Dockerfile.

The chart is rendered with the embedded Helm engine in both certificate modes (cert-manager and the
self-signed bootstrap) and checked: its workloads pass Pod Security Standards "restricted" with
--strict (library and real CLI subprocess), the webhook configurations carry the fields the apiserver
needs with sane values (reference/admission-and-gpu.md 1.5, 5.1), the probes and the TLS wiring
(1.6) are right, and the values guard-rails refuse unsafe settings.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from helpers.cli import cli, run_command
from helpers.paths import ROOT, shared_path
from helpers.serve import stop

import chartguard
from chartguard import ChartguardError

WEBHOOK = ROOT / "webhook"
CHART = WEBHOOK / "chart"
RELEASE = "cg"
NAMESPACE = "chartguard-system"
FULLNAME = "cg-chartguard-webhook"
MODES = ["cert-manager", "self-signed"]
NVCF_NAMESPACE_LABEL = "nvca.nvcf.nvidia.io/workload-instance-type"


def render(values: dict[str, Any] | None = None, **keywords: Any) -> list[dict[str, Any]]:
    keywords.setdefault("release_name", RELEASE)
    keywords.setdefault("namespace", NAMESPACE)
    rendered = chartguard.render_chart(CHART, values or {}, profile="pss-restricted", **keywords)
    assert not rendered.hooks
    return [m.obj for m in rendered.manifests]


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def mode_values(mode: str) -> dict[str, Any]:
    return {"certificates": {"mode": mode}}


@pytest.fixture(scope="module", params=MODES)
def rendered(request) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(mode_values(request.param))


# --- Pod Security Standards restricted, --strict -------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_pss_restricted_strict_has_no_findings(mode):
    report = chartguard.lint_chart(CHART, mode_values(mode), profile="pss-restricted", strict=True)
    assert [f.to_dict() for f in report.findings] == []
    assert not report.failed(chartguard.Severity.INFO)
    assert report.objects >= 7  # the Deployment and everything around it were rendered and checked


@pytest.mark.parametrize("mode", MODES)
def test_cli_lint_pss_restricted_strict_exits_0(mode):
    args = ["--profile", "pss-restricted", "--strict", "--set", f"certificates.mode={mode}", "--no-color"]
    run = cli("lint", str(CHART), *args, cwd=ROOT, env={"NO_COLOR": "1"}, in_subprocess=True)
    assert run.code == 0, run.stdout + run.stderr
    assert "PASS: 0 errors, 0 warnings, 0 infos" in run.stdout


def test_cli_console_script_exits_0():
    """The installed `chartguard` entry point, exactly as the brief's command line runs it."""
    exe = Path(sys.executable).with_name("chartguard")
    if not exe.exists():
        pytest.skip("no chartguard console script beside the interpreter")
    run = run_command([str(exe), "lint", "webhook/chart", "--profile", "pss-restricted", "--strict"], cwd=ROOT)
    assert run.code == 0, run.stdout + run.stderr


def test_the_restricted_check_is_not_vacuous():
    """Weakening the securityContext through values is caught: the test above proves something."""
    report = chartguard.lint_chart(
        CHART,
        {
            "securityContext": {"allowPrivilegeEscalation": True, "runAsNonRoot": None, "runAsUser": None},
            "podSecurityContext": {"runAsNonRoot": None, "runAsUser": None, "seccompProfile": None},
        },
        profile="pss-restricted",
        strict=True,
    )
    rules = {f.rule_id for f in report.findings}
    assert {"pss-allow-privilege-escalation", "pss-run-as-non-root"} <= rules
    assert report.failed()


def test_nvcf_profile_objects_only_to_the_kinds():
    """Not an NVCF function (it needs webhook configurations, a PDB, cert-manager kinds), but every
    other NVCF rule, strict "should" rules included (limits, no token automount, non-root), passes."""
    report = chartguard.lint_chart(CHART, profile="nvcf", strict=True, kube_version="v1.31.0")
    assert report.findings
    assert {f.rule_id for f in report.findings} == {"allowed-kinds"}


# --- the workload -------------------------------------------------------------------------------


def test_deployment_shape(rendered):
    _, objects = rendered
    deployment = one(objects, "Deployment")
    assert deployment["metadata"]["namespace"] == NAMESPACE
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = spec["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == FULLNAME
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    }
    selector = spec["selector"]["matchLabels"]
    for constraint in pod["topologySpreadConstraints"]:
        assert constraint["labelSelector"]["matchLabels"] == selector
    assert pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert selector.items() <= spec["template"]["metadata"]["labels"].items()

    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 0
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= container["resources"][kind].keys()
    assert not container["image"].endswith(":latest")

    # The only writable path is the /tmp emptyDir.
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    for path, mount in mounts.items():
        assert path == "/tmp" or mount.get("readOnly") is True, path


def test_probes_hit_healthz_and_readyz_over_https(rendered):
    _, objects = rendered
    (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert get["scheme"] == "HTTPS"
        assert get["port"] in port_names
        assert "host" not in get  # PSS baseline: probes may not target another host
    assert container["readinessProbe"]["periodSeconds"] <= container["livenessProbe"]["periodSeconds"]


def test_server_arguments(rendered):
    _, objects = rendered
    (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    port = container["ports"][0]["containerPort"]
    assert f"--port={port}" in args and "--host=0.0.0.0" in args
    assert "--cert-file=/etc/chartguard/tls/tls.crt" in args and "--key-file=/etc/chartguard/tls/tls.key" in args
    assert "--profile=nvcf-webhook" in args and "--strict" not in args  # nvcf plus the GPU gate
    # one worker process per CPU of the limit (each review runs on one core)
    assert "--workers=2" in args and container["resources"]["limits"]["cpu"] == "2"
    # Only the admission endpoints: helm-reval's /v1/* is not served, so no token and no --no-auth.
    assert "--endpoints=webhook" in args
    assert "--no-auth" not in args and not any(a.startswith("--token-file") for a in args)
    assert not [s for s in by_kind(objects, "Secret") if s["metadata"]["name"].endswith("-reval-token")]


def test_reval_api_switch():
    objects = render({"server": {"revalApi": {"enabled": True}, "strict": True, "backend": "GFN"}})
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = container["args"]
    assert {"--endpoints=all", "--token-file=/etc/chartguard/token/token", "--strict", "--backend=GFN"} <= set(args)
    assert "--no-auth" not in args
    (token,) = [o for o in by_kind(objects, "Secret") if o["metadata"]["name"].endswith("-reval-token")]
    assert len(base64.b64decode(token["data"]["token"])) >= 32
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["reval-token"]["secret"]["secretName"] == token["metadata"]["name"]
    assert {"name": "reval-token", "mountPath": "/etc/chartguard/token", "readOnly": True} in container["volumeMounts"]


def test_service_pdb_serviceaccount(rendered):
    _, objects = rendered
    deployment = one(objects, "Deployment")
    selector = deployment["spec"]["selector"]["matchLabels"]
    service = one(objects, "Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"] == selector
    (port,) = service["spec"]["ports"]
    assert port["port"] == 443 and port["targetPort"] == "https"
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    assert 1 <= pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]
    account = one(objects, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    # No RBAC at all: the server never calls the Kubernetes API.
    assert not [o for o in objects if o["kind"] in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")]


def test_names_labels_and_namespaces(rendered):
    _, objects = rendered
    cluster_scoped = {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
    for obj in objects:
        meta = obj["metadata"]
        assert meta["name"].startswith(FULLNAME), meta["name"]
        labels = meta["labels"]
        assert labels["app.kubernetes.io/name"] == "chartguard-webhook"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["helm.sh/chart"] == "chartguard-webhook-0.1.0"
        if obj["kind"] in cluster_scoped:
            assert "namespace" not in meta
        else:
            assert meta["namespace"] == NAMESPACE


def test_no_hard_coded_namespace_or_release():
    text = "\n".join(p.read_text() for p in (CHART / "templates").iterdir())
    assert NAMESPACE not in text and "kube-system" not in text
    objects = render(release_name="other", namespace="elsewhere")
    for obj in objects:
        if "namespace" in obj["metadata"]:
            assert obj["metadata"]["namespace"] == "elsewhere"
        assert obj["metadata"]["name"].startswith("other-chartguard-webhook")
    validating = one(objects, "ValidatingWebhookConfiguration")["webhooks"][0]
    assert validating["clientConfig"]["service"]["namespace"] == "elsewhere"


# --- the webhook configurations --------------------------------------------------------------------


def webhooks(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        configuration = one(objects, kind)
        assert configuration["apiVersion"] == "admissionregistration.k8s.io/v1"
        (hook,) = configuration["webhooks"]
        out[kind] = hook
    return out


def resources_of(hook: dict[str, Any]) -> set[tuple[str, str]]:
    return {(group, resource) for rule in hook["rules"] for group in rule["apiGroups"] for resource in rule["resources"]}


def test_webhook_configuration_fields(rendered):
    _, objects = rendered
    hooks = webhooks(objects)
    validating, mutating = hooks["ValidatingWebhookConfiguration"], hooks["MutatingWebhookConfiguration"]
    for hook in hooks.values():
        assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+){2,}", hook["name"]), hook["name"]  # fully qualified
        assert hook["admissionReviewVersions"] == ["v1"]
        assert hook["sideEffects"] == "None"
        assert 1 <= hook["timeoutSeconds"] <= 10  # well inside the apiserver's 1-30 and its 10 s default
        assert hook["matchPolicy"] == "Equivalent"
        service = hook["clientConfig"]["service"]
        assert service == {**service, "name": FULLNAME, "namespace": NAMESPACE, "port": 443}
        assert "url" not in hook["clientConfig"]
        for rule in hook["rules"]:
            assert set(rule["operations"]) <= {"CREATE", "UPDATE"}  # DELETE/CONNECT never sent
            assert rule["scope"] == "Namespaced"
            assert rule["apiVersions"] and rule["apiGroups"] is not None
        assert "objectSelector" in hook and hook["objectSelector"] == {}
    assert validating["clientConfig"]["service"]["path"] == "/validate"
    assert mutating["clientConfig"]["service"]["path"] == "/mutate"
    assert validating["failurePolicy"] == "Fail"  # the gate fails closed
    assert mutating["failurePolicy"] == "Ignore"  # conveniences; the validator still judges
    assert mutating["reinvocationPolicy"] == "IfNeeded"
    assert "reinvocationPolicy" not in validating

    pod_bearing = {
        ("", "pods"),
        ("", "replicationcontrollers"),
        ("", "podtemplates"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
        ("leaderworkerset.x-k8s.io", "leaderworkersets"),
        ("", "services"),
    }
    assert pod_bearing <= resources_of(mutating)
    nvcf_kinds = {
        ("", "configmaps"),
        ("", "serviceaccounts"),
        ("", "persistentvolumeclaims"),
        ("rbac.authorization.k8s.io", "roles"),
        ("rbac.authorization.k8s.io", "rolebindings"),
    }
    assert pod_bearing | nvcf_kinds | {("apps", "deployments/scale"), ("apps", "statefulsets/scale")} <= resources_of(validating)
    assert ("", "secrets") not in resources_of(validating)  # Secret data never crosses the wire by default
    assert not any("*" in r for _, r in resources_of(validating) | resources_of(mutating))


def test_namespace_selector(rendered):
    _, objects = rendered
    for hook in webhooks(objects).values():
        expressions = hook["namespaceSelector"]["matchExpressions"]
        assert {"key": NVCF_NAMESPACE_LABEL, "operator": "Exists"} in expressions
        (excluded,) = [e for e in expressions if e["key"] == "kubernetes.io/metadata.name"]
        assert excluded["operator"] == "NotIn"
        assert {NAMESPACE, "kube-system"} <= set(excluded["values"])


def test_match_conditions(rendered):
    _, objects = rendered
    for hook in webhooks(objects).values():
        conditions = {c["name"]: c["expression"] for c in hook["matchConditions"]}
        assert len(conditions) == len(hook["matchConditions"]) <= 64
        assert all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) for name in conditions)
        assert "'system:masters' in request.userInfo.groups" in conditions["not-system-masters"]
        assert conditions["not-system-masters"].startswith("!has(request.userInfo.groups) ||")
        assert conditions["not-chartguard-webhook-itself"] == (
            f"request.userInfo.username != 'system:serviceaccount:{NAMESPACE}:{FULLNAME}'"
        )


def test_ca_wiring(rendered):
    mode, objects = rendered
    hooks = webhooks(objects)
    tls_secret_name = f"{FULLNAME}-tls"
    mounted = one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "tls", "secret": {"secretName": tls_secret_name, "defaultMode": 0o440}} in mounted
    dns = f"{FULLNAME}.{NAMESPACE}.svc"
    if mode == "cert-manager":
        certificate = one(objects, "Certificate")
        assert certificate["apiVersion"] == "cert-manager.io/v1"
        assert certificate["spec"]["secretName"] == tls_secret_name
        assert dns in certificate["spec"]["dnsNames"]
        issuer = one(objects, "Issuer")
        assert issuer["spec"] == {"selfSigned": {}}
        assert certificate["spec"]["issuerRef"]["name"] == issuer["metadata"]["name"]
        for kind in hooks:
            annotations = one(objects, kind)["metadata"]["annotations"]
            assert annotations["cert-manager.io/inject-ca-from"] == f"{NAMESPACE}/{certificate['metadata']['name']}"
        assert all("caBundle" not in hook["clientConfig"] for hook in hooks.values())
        assert not [s for s in by_kind(objects, "Secret") if s["metadata"]["name"] == tls_secret_name]
    else:
        assert not by_kind(objects, "Certificate") and not by_kind(objects, "Issuer")
        (secret,) = [s for s in by_kind(objects, "Secret") if s["metadata"]["name"] == tls_secret_name]
        assert secret["type"] == "kubernetes.io/tls"
        ca_pem = base64.b64decode(secret["data"]["ca.crt"])
        for hook in hooks.values():
            assert hook["clientConfig"]["caBundle"] == secret["data"]["ca.crt"]
        ca = x509.load_pem_x509_certificate(ca_pem)
        cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
        assert b"PRIVATE KEY" in base64.b64decode(secret["data"]["tls.key"])
        # The serving certificate is signed by the CA in caBundle and names <svc>.<ns>.svc in a SAN.
        cert.verify_directly_issued_by(ca)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        assert dns in sans
        # No SHA-1 (the apiserver counts those as insecure, section 1.6).
        assert cert.signature_hash_algorithm.name == "sha256" and ca.signature_hash_algorithm.name == "sha256"
        assert cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365)
        for obj in by_kind(objects, "ValidatingWebhookConfiguration") + by_kind(objects, "MutatingWebhookConfiguration"):
            assert "cert-manager.io/inject-ca-from" not in obj["metadata"].get("annotations", {})


def test_cert_manager_existing_issuer():
    objects = render({"certificates": {"certManager": {"issuerRef": {"name": "corp-ca", "kind": "ClusterIssuer"}}}})
    assert not by_kind(objects, "Issuer")
    assert one(objects, "Certificate")["spec"]["issuerRef"] == {
        "name": "corp-ca",
        "kind": "ClusterIssuer",
        "group": "cert-manager.io",
    }


# --- values switches and guard-rails ---------------------------------------------------------------


def test_switches():
    objects = render(
        {
            "webhook": {
                "mutating": {"enabled": False},
                "includeSecrets": True,
                "includeScale": False,
                "matchConditions": {
                    "skipSystemMasters": False,
                    "skipOwnServiceAccount": False,
                    "extra": [{"name": "not-dry-run", "expression": "!request.dryRun"}],
                },
                "objectSelector": {"matchLabels": {"chartguard.nvidia.com/enforce": "true"}},
            },
            "server": {"revalApi": {"enabled": True, "auth": "none"}, "extraArgs": ["--cert-reload-interval=5"]},
            "podDisruptionBudget": {"enabled": False},
        }
    )
    assert not by_kind(objects, "MutatingWebhookConfiguration") and not by_kind(objects, "PodDisruptionBudget")
    (hook,) = one(objects, "ValidatingWebhookConfiguration")["webhooks"]
    assert ("", "secrets") in resources_of(hook)
    assert not any(r.endswith("/scale") for _, r in resources_of(hook))
    assert hook["matchConditions"] == [{"name": "not-dry-run", "expression": "!request.dryRun"}]
    assert hook["objectSelector"] == {"matchLabels": {"chartguard.nvidia.com/enforce": "true"}}
    (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert {"--endpoints=all", "--no-auth"} <= set(container["args"]) and container["args"][-1] == "--cert-reload-interval=5"
    assert not any(a.startswith("--token-file") for a in container["args"])
    assert not [s for s in by_kind(objects, "Secret") if s["metadata"]["name"].endswith("-reval-token")]


def test_image_tag_and_digest():
    (container,) = one(render({"image": {"repository": "nvcr.io/x/chartguard", "digest": "sha256:" + "a" * 64}}), "Deployment")[
        "spec"
    ]["template"]["spec"]["containers"]
    assert container["image"] == "nvcr.io/x/chartguard@sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # values.schema.json refuses these first (the templates' fail guards back it up when
        # schema validation is skipped)
        ({"certificates": {"mode": "manual"}}, "at '/certificates/mode'"),
        ({"webhook": {"validating": {"timeoutSeconds": 31}}}, "at '/webhook/validating/timeoutSeconds'"),
        ({"webhook": {"mutating": {"failurePolicy": "Maybe"}}}, "at '/webhook/mutating/failurePolicy'"),
        ({"image": {"tag": "latest"}}, "at '/image/tag'"),
        ({"server": {"revalApi": {"auth": "basic"}}}, "at '/server/revalApi/auth'"),
        (
            {"webhook": {"matchConditions": {"extra": [{"name": "Bad Name", "expression": "true"}]}}},
            "at '/webhook/matchConditions/extra/0/name'",
        ),
        # the template guard (no schema can compare two values)
        ({"podDisruptionBudget": {"minAvailable": 2}}, "minAvailable must be below replicaCount"),
    ],
)
def test_bad_values_fail_the_render(values, message):
    with pytest.raises(ChartguardError) as caught:
        render(values)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"certificates": {"mode": "manual"}}, "certificates.mode must be cert-manager or self-signed"),
        ({"webhook": {"validating": {"timeoutSeconds": 31}}}, "timeoutSeconds must be 1-30"),
        ({"webhook": {"mutating": {"failurePolicy": "Maybe"}}}, "failurePolicy must be Fail or Ignore"),
        ({"image": {"tag": "latest"}}, "'latest' is not allowed"),
        ({"server": {"revalApi": {"auth": "basic"}}}, "server.revalApi.auth must be token or none"),
    ],
)
def test_template_guards_without_the_schema(tmp_path, values, message):
    """`helm install --skip-schema-validation` still cannot deploy these: the templates fail too."""
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    (chart / "values.schema.json").unlink()
    with pytest.raises(ChartguardError) as caught:
        chartguard.render_chart(chart, values, profile="pss-restricted", release_name=RELEASE, namespace=NAMESPACE)
    assert message in str(caught.value)


def test_helm_lint_strict_is_clean():
    """`helm lint --strict` (the embedded engine's), both modes: no warnings or errors (infos allowed)."""
    import helm_python

    for mode in MODES:
        result = helm_python.lint(CHART, mode_values(mode), strict=True, namespace=NAMESPACE, kube_version="v1.31.0")
        assert result["errors"] == []
        assert [m for m in result["messages"] if m["severity"] >= 2] == [], result["messages"]


def test_chart_metadata_and_values_are_documented():
    import yaml

    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "chartguard-webhook" and chart["type"] == "application"
    # Every top-level values key carries a comment (directly above it or in its block).
    lines = (CHART / "values.yaml").read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Za-z]\w*:", line):
            block = lines[max(0, number - 3) : number + 4]
            assert any(entry.lstrip().startswith("#") for entry in block), f"values.yaml: {line} is undocumented"
    readme = (WEBHOOK / "README.md").read_text()
    for topic in (
        "failurePolicy",
        "timeoutSeconds",
        "matchConditions",
        "namespaceSelector",
        "PodDisruptionBudget",
        "sideEffects",
        "cert-manager",
        "self-signed",
        "stateless",
    ):
        assert topic in readme, topic


# --- the Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (WEBHOOK / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile():
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for kw, rest in instructions if kw == "ARG" and "=" in rest)
    froms = [rest.split()[0] for kw, rest in instructions if kw == "FROM"]
    assert froms, "no FROM"
    for image in froms:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        name, _, tag = image.partition(":")
        assert name == "python" and tag.startswith("3.11-slim"), image  # minimal base, pinned tag
        assert tag != "latest"
    # The last stage runs as a numeric non-root user (runAsNonRoot can verify only a number).
    final = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    users = [rest for kw, rest in instructions[final:] if kw == "USER"]
    assert users, "no USER in the final stage"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or (gid.isdigit() and int(gid) > 0))
    values_uid = one(render(), "Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert int(uid) == values_uid
    # Installs the package from the source tree; no build tools or pip left in the runtime stage.
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert re.search(r"pip install [^&]*\.(\s|$)", runs)
    final_runs = " ".join(rest for kw, rest in instructions[final:] if kw == "RUN")
    assert not re.search(r"apt-get install|gcc|build-essential|pip install", final_runs)
    assert ("ENTRYPOINT", '["chartguard", "serve"]') in instructions
    for _, rest in instructions:
        assert "latest" not in rest


def test_dockerfile_copies_only_what_the_package_build_needs():
    copies = [rest for kw, rest in dockerfile_instructions() if kw == "COPY" and "--from" not in rest]
    sources = {src.rstrip("/") for rest in copies for src in rest.split()[:-1]}
    for source in sources:
        assert (ROOT / source).exists(), source
    # pyproject's readme and the shipped policies are part of the build.
    assert {"pyproject.toml", "README.md", "constraints.txt", "chartguard"} <= sources
    ignore = (WEBHOOK / "Dockerfile.dockerignore").read_text().split()
    assert ignore[ignore.index("*") + 1 :]  # an allow-list after '*'


# --- the rendered pod's command line, run for real ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _https(port: int, ca_pem: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One HTTPS request to 127.0.0.1, verifying the certificate as the apiserver does: against the
    caBundle CA and the name <service>.<namespace>.svc."""
    context = ssl.create_default_context(cadata=ca_pem)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.sock = context.wrap_socket(raw, server_hostname=f"{FULLNAME}.{NAMESPACE}.svc")
    try:
        headers = {"Host": f"{FULLNAME}.{NAMESPACE}.svc", "Content-Type": "application/json"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_rendered_args_and_certificate_serve_the_webhook(tmp_path):
    """The Deployment's arguments and the self-signed Secret, run as `chartguard serve`: the probes'
    paths answer over HTTPS, the certificate verifies against caBundle for <svc>.<ns>.svc, and the
    webhook paths answer a real AdmissionReview."""
    help_text = cli("serve", "--help", in_subprocess=True).stdout
    if "--endpoints" not in help_text:
        pytest.skip("this chartguard serve has no admission endpoints yet")
    sample = shared_path("admission-samples", "02-whorf-deployment-create-real.json")
    objects = render(mode_values("self-signed"))
    (secret,) = [s for s in by_kind(objects, "Secret") if s["metadata"]["name"] == f"{FULLNAME}-tls"]
    tls = tmp_path / "tls"
    tls.mkdir()
    for key in ("tls.crt", "tls.key"):
        (tls / key).write_bytes(base64.b64decode(secret["data"][key]))
    ca_pem = base64.b64decode(webhooks(objects)["ValidatingWebhookConfiguration"]["clientConfig"]["caBundle"]).decode()
    (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    port = _free_port()
    args = []
    for arg in container["args"]:
        arg = arg.replace("/etc/chartguard/tls", str(tls))
        if arg.startswith("--host="):
            arg = "--host=127.0.0.1"  # loopback only in tests
        elif arg.startswith("--port="):
            arg = f"--port={port}"
        args.append(arg)
    env = {**os.environ, **{e["name"]: e["value"] for e in container["env"]}}
    env["TMPDIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "chartguard.cli", "serve", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = _https(port, ca_pem, "GET", "/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"chartguard serve did not become ready: {process.stderr.read().decode() if process.poll() is not None else 'timeout'}"
                )
            time.sleep(0.1)
        probes = {container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe")}
        for path in probes:
            assert _https(port, ca_pem, "GET", path)[0] == 200, path
        review = json.loads(sample.read_text())
        for hook in webhooks(objects).values():
            status, body = _https(port, ca_pem, "POST", hook["clientConfig"]["service"]["path"], json.dumps(review).encode())
            assert status == 200, body
            answer = json.loads(body)
            assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
            assert answer["response"]["uid"] == review["request"]["uid"]
            assert isinstance(answer["response"]["allowed"], bool)
        # helm-reval's API is not served by the webhook pod.
        assert _https(port, ca_pem, "POST", "/v1/validate", b"{}")[0] == 404
    finally:
        stop(process)
