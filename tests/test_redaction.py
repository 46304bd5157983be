"""Secret data and credential-looking env values never reach a report, a diff, stderr or a webhook
message; the patched stream and the JSON Patches (what users apply) keep them (docs/security.md).

tests/hostile/secrets.yaml plants a unique ``LEAK-...`` marker in every place a secret can hide.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from helpers.cli import cli
from helpers.lint import found, lint_objects
from helpers.objects import pod

from chartguard.admission import review
from chartguard.profile import load_profile
from chartguard.redact import PLACEHOLDER, redact_object, scrub, secret_values

HOSTILE = Path(__file__).resolve().parent / "hostile"
SECRETS = HOSTILE / "secrets.yaml"
MARKERS = (
    "LEAK-last-applied-0d4b",
    "LEAK-stringdata-9a2f",
    "LEAK-data-decoded-5c1e",
    base64.b64encode(b"LEAK-data-decoded-5c1e").decode(),
    "LEAK-kept-secret-3e8d",
    "LEAK-applied-env-77c0",
    "LEAK-password-41b7",
    "LEAK-api-key-c2d9",
)


def leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


def objects() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(SECRETS.read_text(encoding="utf-8")))


# --- the redaction module -----------------------------------------------------------------------


def test_redact_object_hides_secret_values_keeping_the_keys() -> None:
    secret, kept, workload = objects()
    shown = redact_object(secret)
    assert shown["stringData"] == {"password": PLACEHOLDER}
    assert shown["data"] == {"token": PLACEHOLDER}
    applied = json.loads(shown["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert applied["stringData"] == {"password": PLACEHOLDER}
    assert secret["stringData"] == {"password": "LEAK-stringdata-9a2f"}  # the object itself is not changed
    env = redact_object(workload)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [
        {"name": "DB_PASSWORD", "value": PLACEHOLDER},
        {"name": "API_KEY", "value": PLACEHOLDER},
        {"name": "NUM_GPUS", "value": "LEAK-api-key-c2d9"},  # not a credential's name: kept (scrub takes it)
    ]
    assert not leaks(json.dumps(redact_object(kept)))


def test_redact_object_is_copy_on_write() -> None:
    plain = pod({"name": "c", "image": "nginx", "env": [{"name": "TOKEN_PATH", "value": "/run/token"}]})
    assert redact_object(plain) is plain  # *_PATH only points at a credential
    empty = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {}, "stringData": {"a": ""}}
    assert redact_object(empty) is empty


def test_secret_values_and_scrub() -> None:
    values = secret_values(objects())
    assert set(MARKERS) <= values
    assert scrub("NUM_GPUS=LEAK-api-key-c2d9 and LEAK-password-41b7", values) == f"NUM_GPUS={PLACEHOLDER} and {PLACEHOLDER}"
    short = pod({"name": "c", "image": "nginx", "env": [{"name": "PASSWORD", "value": "8080"}]})
    assert secret_values([short]) == frozenset()  # too short to take out of free text ("port 8080")


def test_env_consistency_never_quotes_a_credential(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "name: p\ntitle: t\nfollows: f\nextends: nvcf\n"
        "rules: {gpu-env-consistency: {params: {gpus_per_node_vars: [NUM_GPUS, GPU_TOKEN]}}}\n"
    )
    secret, kept, workload = objects()
    workload["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "GPU_TOKEN", "value": "s3"})
    details = [f.detail for f in found(lint_objects(workload, profile=str(profile)), "gpu-env-consistency")]
    assert details == [
        'container "main": NUM_GPUS="<redacted>" is not a whole number; ON-PREM.GPU.B200_8x.x2 has 8 GPUs per node',
        'container "main": GPU_TOKEN="<redacted>" is not a whole number; ON-PREM.GPU.B200_8x.x2 has 8 GPUs per node',
    ]


# --- every output ---------------------------------------------------------------------------------

OUTPUTS = [
    *[("lint", "--format", fmt) for fmt in ("text", "json", "sarif", "junit", "github")],
    ("lint", "--strict", "--format", "json"),
    ("lint", "-p", "nvcf-webhook", "--strict"),
    ("lint", "-p", "reval-default", "--format", "json"),
    ("fix", "--diff"),
]


@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_reports_and_the_diff_never_print_a_secret(args: tuple[str, ...]) -> None:
    run = cli(*args[:1], str(SECRETS), *args[1:])
    assert run.code in (0, 1), run.stderr
    assert leaks(run.stdout) == [] and leaks(run.stderr) == []


def test_fix_stderr_redacts_but_its_products_keep_the_values(tmp_path: Path) -> None:
    stream = cli("fix", str(SECRETS))
    assert leaks(stream.stderr) == []
    kept = {"LEAK-kept-secret-3e8d", "LEAK-applied-env-77c0", "LEAK-password-41b7", "LEAK-api-key-c2d9"}
    assert set(leaks(stream.stdout)) == kept  # the stream is what you apply (without the dropped hook Secret)
    patches = cli("fix", str(SECRETS), "--format", "jsonpatch")
    assert leaks(patches.stderr) == []
    assert json.loads(patches.stdout)  # an apply-able product too (these fixes carry no secret)
    both = cli("fix", str(SECRETS), "--diff", "-o", str(tmp_path / "patched.yaml"))
    assert leaks(both.stdout + both.stderr) == []
    assert "LEAK-password-41b7" in (tmp_path / "patched.yaml").read_text(encoding="utf-8")


def test_post_render_stderr_never_prints_a_secret() -> None:
    run = cli("post-render", "--fail-on", "never", stdin=SECRETS.read_text(encoding="utf-8"), in_subprocess=True)
    assert run.code == 0, run.stderr
    assert leaks(run.stderr) == []
    assert "LEAK-password-41b7" in run.stdout  # the stream Helm installs


@pytest.mark.parametrize("profile", ["nvcf", "nvcf-webhook"])
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("mode", ["validate", "mutate"])
def test_webhook_answers_never_quote_a_secret(profile: str, strict: bool, mode: Literal["validate", "mutate"]) -> None:
    checked = load_profile(profile, strict=strict)
    for index, obj in enumerate(objects()):
        obj["metadata"]["namespace"] = "team"
        body = {
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {"uid": f"u{index}", "operation": "CREATE", "object": obj},
        }
        answer = review(body, mode=mode, profile=checked)
        response = {k: v for k, v in answer["response"].items() if k != "patch"}  # the patch is applied, not read
        assert leaks(json.dumps(response, ensure_ascii=False)) == [], response
