"""chartguard serve as an admission webhook: /validate, /mutate, /healthz, /readyz, /metrics.

Two layers: the ASGI app in-process with a stand-in ``review`` (metrics, denials, fallbacks, route
collisions), and the real ``chartguard serve`` process on 127.0.0.1 over TLS (trustme CA) talked to
with http.client and raw sockets: every saved AdmissionReview sample, hand-written UPDATE / scale /
DELETE reviews, UPDATEs with an existing and a new violation, malformed bodies, oversized and slow
bodies, certificate reload, metrics, logs.
Checks that need the real verdicts of :func:`chartguard.admission.review` skip, with a reason, while
it still raises NotImplementedError.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import trustme
from helpers.objects import minimal_review
from helpers.paths import SHARED
from helpers.pki import write_pki
from helpers.serve import WEBHOOK_MAX_BODY, Served, start_webhook

from chartguard import admission
from chartguard.profile import load_profile
from chartguard.server import create_app
from chartguard.server.app import App, healthz
from chartguard.server.run import KEEP_ALIVE_TIMEOUT, CertReloader, ServeConfig
from chartguard.server.webhook import WebhookOptions, denial_rules, envelope, rules_of

SAMPLES = SHARED / "admission-samples"
SAMPLES = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/admission-samples")
SECRET_VALUE = "hunter2-TOP-SECRET-do-not-log"


def core_ready() -> bool:
    """True once chartguard.admission.review is more than the stub."""
    try:
        admission.review(minimal_review(), mode="validate", profile=load_profile("nvcf"))
    except NotImplementedError:
        return False
    except Exception:  # noqa: BLE001 - any other answer means the core is there
        return True
    return True


needs_core = pytest.mark.skipif(
    not core_ready(), reason="chartguard.admission.review still raises NotImplementedError (being written); re-run when it lands"
)


# --- reviews ------------------------------------------------------------------------------------------------


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def update_review() -> dict[str, Any]:
    """A Deployment UPDATE built from sample 02: object and oldObject, UpdateOptions."""
    review = sample("02-whorf-deployment-create-real.json")
    request = review["request"]
    old = copy.deepcopy(request["object"])
    request["object"]["spec"]["replicas"] = 3
    request["object"]["metadata"]["generation"] = 2
    request.update(uid="5d4f2a9e-7c1b-4f0e-8a2d-000000000002", operation="UPDATE", oldObject=old)
    request["options"] = {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1", "fieldManager": "kubectl-client-side-apply"}
    return review


def scale_review() -> dict[str, Any]:
    """``deployments/scale``: kind autoscaling/v1 Scale, subResource scale, a Scale object."""

    def scale(replicas: int) -> dict[str, Any]:
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": "nginx", "namespace": "nginx", "uid": "6f1b1d2e-3a52-4b8e-9c71-1e2b3c4d5e6f"},
            "spec": {"replicas": replicas},
            "status": {"replicas": 1, "selector": "app=nginx"},
        }

    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "9e8d7c6b-5a49-4838-a726-000000000003",
            "kind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "subResource": "scale",
            "requestKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestSubResource": "scale",
            "name": "nginx",
            "namespace": "nginx",
            "operation": "UPDATE",
            "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]},
            "object": scale(5),
            "oldObject": scale(1),
            "dryRun": False,
            "options": {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1"},
        },
    }


def delete_review() -> dict[str, Any]:
    """A Deployment DELETE (object null, oldObject set, DeleteOptions)."""
    review = sample("02-whorf-deployment-create-real.json")
    request = review["request"]
    request.update(
        uid="3c2b1a09-8f7e-4d6c-b5a4-000000000004",
        operation="DELETE",
        oldObject=request["object"],
        object=None,
        options={"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1", "propagationPolicy": "Background"},
    )
    return review


def secret_review(uid: str = "7a6b5c4d-3e2f-4a1b-9c8d-000000000005") -> dict[str, Any]:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "fn"},
        "type": "Opaque",
        "data": {"password": base64.b64encode(SECRET_VALUE.encode()).decode()},
        "stringData": {"token": SECRET_VALUE},
    }
    review = minimal_review(uid)
    review["request"].update(kind={"group": "", "version": "v1", "kind": "Secret"}, name="db", namespace="fn", object=secret)
    review["request"]["resource"] = {"group": "", "version": "v1", "resource": "secrets"}
    return review


def hostpath_review(uid: str = "1f2e3d4c-5b6a-4798-8a7b-000000000006") -> dict[str, Any]:
    """A Pod the nvcf profile denies (a hostPath volume) and the mutating webhook can patch (securityContext)."""
    review = minimal_review(uid)
    spec = review["request"]["object"]["spec"]
    spec.update(hostNetwork=True, volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    spec["containers"][0]["securityContext"] = {"privileged": True}
    return review


def hostpath_update_review(uid: str, *, already: bool) -> dict[str, Any]:
    """``update_review`` with a hostPath volume (an error under nvcf) in ``object``, and in
    ``oldObject`` too when it was ``already`` there."""
    review = update_review()
    request = review["request"]
    request["uid"] = uid
    volume = {"name": "host", "hostPath": {"path": "/var/run"}}
    for obj in [request["object"], request["oldObject"]] if already else [request["object"]]:
        obj["spec"]["template"]["spec"]["volumes"] = [volume]
    return review


def handwritten() -> dict[str, dict[str, Any]]:
    return {
        "update": update_review(),
        "update-existing-violation": hostpath_update_review("5d4f2a9e-7c1b-4f0e-8a2d-0000000e0000", already=True),
        "scale": scale_review(),
        "delete": delete_review(),
        "secret": secret_review(),
        "hostpath-pod": hostpath_review(),
    }


def all_reviews() -> list[tuple[str, dict[str, Any]]]:
    files = sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []
    return [(f.name, json.loads(f.read_text())) for f in files] + list(handwritten().items())


# --- in-process ASGI ----------------------------------------------------------------------------------------


def call(app: App, method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> tuple[int, dict, bytes]:
    sent: list[dict[str, Any]] = []
    chunks = [body] if body else [b""]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": chunks.pop(0) if chunks else b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", content_type.encode())] if content_type else []
    scope = {"type": "http", "method": method, "path": path, "query_string": b"", "headers": headers}
    asyncio.run(app(scope, receive, send))
    start, end = sent
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, end["body"]


def fake_app(answer: Any = None, error: BaseException | None = None, fail_open: bool = False) -> tuple[App, list]:
    calls: list[tuple[dict, dict]] = []

    def review(body: dict, **keywords: Any) -> Any:
        calls.append((body, keywords))
        if error is not None:
            raise error
        if answer is not None:
            return answer(body) if callable(answer) else answer
        return {
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "response": {"uid": body["request"]["uid"], "allowed": True},
        }

    options = WebhookOptions(profile=load_profile("nvcf"), fail_open=fail_open, review=review)
    app = create_app(webhook=options, serve_reval=False)
    return app, calls


def denied(body: dict) -> dict:
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {
            "uid": body["request"]["uid"],
            "allowed": False,
            "status": {"code": 403, "message": 'hostPath volumes (volume "data") [pss-host-path-volumes]'},
            "warnings": ["no resource limits [resource-limits]"],
        },
    }


def test_in_process_passes_mode_and_profile() -> None:
    app, calls = fake_app()
    for mode in ("validate", "mutate"):
        status, headers, body = call(app, "POST", f"/{mode}", json.dumps(minimal_review()).encode())
        assert status == 200 and headers["content-type"] == "application/json"
        assert json.loads(body)["response"]["uid"] == minimal_review()["request"]["uid"]
        assert calls[-1][1]["mode"] == mode and calls[-1][1]["profile"].name == "nvcf"


def test_in_process_bad_requests_are_400_with_a_reason() -> None:
    app, calls = fake_app()
    no_uid = minimal_review()
    del no_uid["request"]["uid"]
    cases = {
        b"{not json": "malformed JSON",
        b"[]": "not a JSON object",
        json.dumps({**minimal_review(), "apiVersion": "admission.k8s.io/v1beta1"}).encode(): "expected apiVersion",
        json.dumps({**minimal_review(), "kind": "Pod"}).encode(): "expected apiVersion",
        json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}).encode(): "has no request",
        json.dumps(no_uid).encode(): "has no uid",
    }
    for body, reason in cases.items():
        status, _, answer = call(app, "POST", "/validate", body)
        assert status == 400 and reason in json.loads(answer)["reason"], body
    assert call(app, "POST", "/validate", json.dumps(minimal_review()).encode(), content_type="text/plain")[0] == 400
    assert call(app, "GET", "/validate")[0] == 405
    assert calls == []


def test_in_process_review_error_is_400() -> None:
    app, _ = fake_app(error=admission.ReviewError("request.object is not an object"))
    status, _, body = call(app, "POST", "/mutate", json.dumps(minimal_review()).encode())
    assert status == 400 and json.loads(body)["reason"] == "request.object is not an object"


@pytest.mark.parametrize("fail_open", [False, True])
def test_in_process_core_failure_still_answers(fail_open: bool, caplog: pytest.LogCaptureFixture) -> None:
    """/validate fails closed unless --fail-open; /mutate never denies (the validating webhook is the gate)."""
    app, _ = fake_app(error=RuntimeError(f"value {SECRET_VALUE}"), fail_open=fail_open)
    status, _, body = call(app, "POST", "/validate", json.dumps(minimal_review()).encode())
    response = json.loads(body)["response"]
    assert status == 200 and response["uid"] == minimal_review()["request"]["uid"]
    assert response["allowed"] is fail_open
    assert ("status" in response) is (not fail_open) and ("warnings" in response) is fail_open
    if not fail_open:
        assert response["status"]["code"] == 500 and response["auditAnnotations"] == {"rules": "internal-error"}
    assert "RuntimeError" in caplog.text and SECRET_VALUE not in caplog.text and SECRET_VALUE not in body.decode()
    mutated = json.loads(call(app, "POST", "/mutate", json.dumps(minimal_review()).encode())[2])["response"]
    assert mutated["allowed"] is True and mutated["warnings"] == ["chartguard could not review this object (RuntimeError)"]
    metrics = call(app, "GET", "/metrics")[2].decode()
    assert ('chartguard_webhook_denials_total{rule="internal-error"} 1' in metrics) is (not fail_open)


def test_in_process_metrics_count_requests_denials_and_latency() -> None:
    app, _ = fake_app(answer=denied)
    call(app, "POST", "/validate", json.dumps(minimal_review()).encode())
    call(app, "POST", "/validate", b"{")
    text = call(app, "GET", "/metrics")[2].decode()
    assert 'chartguard_webhook_requests_total{endpoint="/validate",code="200"} 1' in text
    assert 'chartguard_webhook_requests_total{endpoint="/validate",code="400"} 1' in text
    assert 'chartguard_webhook_denials_total{rule="pss-host-path-volumes"} 1' in text
    assert 'rule="resource-limits"' not in text  # a warning of a denied review is not a denial
    assert 'chartguard_webhook_request_duration_seconds_count{endpoint="/validate"} 2' in text
    assert 'chartguard_webhook_request_duration_seconds_bucket{endpoint="/validate",le="+Inf"} 2' in text


def test_rules_of() -> None:
    assert denial_rules({"auditAnnotations": {"rules": "b,a"}, "status": {"message": "[c]"}}) == ["a", "b"]
    assert denial_rules({"status": {"message": "x [pss-privileged] y [gpu-count]"}, "warnings": ["[w-1]"]}) == [
        "gpu-count",
        "pss-privileged",
    ]
    assert rules_of({"auditAnnotations": {"rules": "b"}, "warnings": ["x [w-1]", 3]}) == ["b", "w-1"]
    assert rules_of({}) == denial_rules({}) == []


def test_envelope_accepts_samples() -> None:
    for name, review in all_reviews():
        assert envelope(json.dumps(review).encode())["request"]["uid"], name


def test_healthz_is_one_definition_for_both_front_doors() -> None:
    app = create_app(webhook=WebhookOptions(profile=load_profile("nvcf")))
    assert app.routes["/healthz"].handler is healthz
    assert call(app, "GET", "/healthz")[::2] == (200, b"OK")
    with pytest.raises(ValueError, match="already registered"):
        app.route("/healthz", ["GET"], healthz)

    async def other(request: Any) -> Any:
        return None

    with pytest.raises(ValueError, match="another handler"):
        app.ensure_route("/healthz", ["GET"], other)
    with pytest.raises(ValueError, match="already registered"):
        app.route("/validate", ["POST"], other)


def test_readyz_follows_the_lifespan() -> None:
    app, _ = fake_app()
    assert call(app, "GET", "/readyz")[0] == 503  # not started
    for hook in app.on_startup:
        hook()
    status, _, body = call(app, "GET", "/readyz")
    assert status == 200 and json.loads(body) == {"ready": True, "profile": "nvcf"}
    for hook in app.on_shutdown:
        hook()
    assert call(app, "GET", "/readyz")[0] == 503


def test_keep_alive_above_the_apiservers_idle_reuse() -> None:
    assert KEEP_ALIVE_TIMEOUT > 90 and ServeConfig().keep_alive_timeout > 90


def test_webhook_does_not_load_the_helm_engine() -> None:
    code = (
        "import sys, json\n"
        "from chartguard.profile import load_profile\n"
        "from chartguard.server import create_app\n"
        "from chartguard.server.webhook import WebhookOptions\n"
        "import chartguard.admission, chartguard.server.run\n"
        "create_app(webhook=WebhookOptions(profile=load_profile('nvcf')))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('helm_python', 'kubernetes'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


# --- the real server over HTTPS -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_webhook(write_pki(ca, tmp_path_factory.mktemp("pki")))
    yield server
    server.stop()


def post(served: Served, mode: str, review: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, headers, body = served.request("POST", f"/{mode}", review)
    assert headers["content-type"] == "application/json", body
    return status, json.loads(body)


def test_served_probes(served: Served) -> None:
    assert served.request("GET", "/healthz")[::2] == (200, b"OK")
    status, _, body = served.request("GET", "/readyz")
    assert status == 200 and json.loads(body)["ready"] is True
    assert served.request("GET", "/nope")[0] == 404


@pytest.mark.parametrize("mode", ["validate", "mutate"])
def test_served_every_review_echoes_uid(served: Served, mode: str) -> None:
    """Every saved sample and the hand-written reviews: 200 (or 400 for the all-fields parser sample
    if the core refuses its placeholder values), an AdmissionReview v1 answering the same uid."""
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} is absent")
    for name, review in all_reviews():
        status, answer = post(served, mode, review)
        if status == 400 and name.startswith("01-"):
            assert answer["reason"], answer
            continue
        assert status == 200, (name, answer)
        assert (answer["apiVersion"], answer["kind"]) == ("admission.k8s.io/v1", "AdmissionReview"), name
        assert answer["response"]["uid"] == review["request"]["uid"], name
        assert isinstance(answer["response"]["allowed"], bool), name


@needs_core
def test_served_validate_contract(served: Served) -> None:
    for name, review in all_reviews():
        status, answer = post(served, "validate", review)
        if status == 400:
            continue
        response = answer["response"]
        assert "patch" not in response and "patchType" not in response, name  # a validating webhook never patches
        if not response["allowed"]:
            assert response["status"]["message"] and response["status"].get("code", 403) >= 400, name
        for warning in response.get("warnings", []):
            assert isinstance(warning, str), name
    assert post(served, "validate", delete_review())[1]["response"]["allowed"] is True


@needs_core
def test_served_mutate_patches_decode_and_apply(served: Served) -> None:
    patched = 0
    for name, review in all_reviews():
        status, answer = post(served, "mutate", review)
        if status == 400:
            continue
        response = answer["response"]
        assert ("patch" in response) == ("patchType" in response), name
        if "patch" not in response:
            continue
        assert response["patchType"] == "JSONPatch", name
        operations = json.loads(base64.b64decode(response["patch"], validate=True))
        assert isinstance(operations, list), name
        if not operations:
            continue
        target = review["request"]["object"]
        assert target is not None, f"{name}: a patch for an operation without an object"
        result = jsonpatch.JsonPatch(operations).apply(copy.deepcopy(target))
        assert isinstance(result, dict), name
        patched += 1
    status, answer = post(served, "mutate", delete_review())
    assert status == 200 and answer["response"]["allowed"] is True and not answer["response"].get("patch")
    assert patched >= 1  # at least the hand-written hostPath pod gets a patch


@needs_core
def test_served_denial_is_counted_by_rule_and_logged(served: Served) -> None:
    def denials() -> float:
        return metric(served.request("GET", "/metrics")[2].decode(), "chartguard_webhook_denials_total", rule="volume-types")

    before = denials()
    review = hostpath_review("1f2e3d4c-5b6a-4798-8a7b-00000000d3e7")
    status, answer = post(served, "validate", review)
    response = answer["response"]
    assert status == 200 and response["allowed"] is False and response["status"]["code"] == 403
    assert "hostPath" in response["status"]["message"]
    assert denials() - before == 1
    time.sleep(0.2)
    lines = [json.loads(line) for line in served.drain_log() if line.startswith('{"msg":"admission"')]
    mine = [line for line in lines if line["uid"] == review["request"]["uid"]]
    assert len(mine) == 1 and mine[0]["allowed"] is False and "volume-types" in mine[0]["rules"]


@needs_core
def test_served_update_with_an_existing_violation_warns_and_a_new_one_denies(served: Served) -> None:
    existing = hostpath_update_review("5d4f2a9e-7c1b-4f0e-8a2d-0000000e0001", already=True)
    status, answer = post(served, "validate", existing)
    response = answer["response"]
    assert status == 200 and response["allowed"] is True and "status" not in response
    # the sample's privileged container and the hostPath volume break Baseline too (nvcf-webhook denies it)
    assert 'chartguard error (existing): volume type not allowed (volume "host": hostPath) [volume-types]' in response["warnings"]
    assert response["auditAnnotations"] == {"existing": "pss-host-path-volumes,pss-privileged,volume-types"}
    new = hostpath_update_review("5d4f2a9e-7c1b-4f0e-8a2d-0000000e0002", already=False)
    status, answer = post(served, "validate", new)
    response = answer["response"]
    assert status == 200 and response["allowed"] is False and response["status"]["code"] == 403
    message = response["status"]["message"]  # only the new violations; the profile is serve's default
    assert message == (
        'chartguard denied Deployment nginx/nginx: hostPath volumes (volume "host"), '
        'volume type not allowed (volume "host": hostPath) [profile nvcf-webhook]'
    )
    assert response["auditAnnotations"] == {"rules": "pss-host-path-volumes,volume-types", "existing": "pss-privileged"}


def test_served_bad_reviews_are_400_and_the_server_keeps_serving(served: Served) -> None:
    no_uid = minimal_review()
    no_uid["request"]["uid"] = ""
    cases = [
        (b'{"apiVersion": "admission.k8s.io/v1", "kind": ', "malformed JSON"),
        (b"\xff\xfe garbage", "malformed JSON"),
        (json.dumps({**minimal_review(), "apiVersion": "admission.k8s.io/v1beta1"}).encode(), "expected apiVersion"),
        (json.dumps({**minimal_review(), "kind": "AdmissionRequest"}).encode(), "expected apiVersion"),
        (json.dumps(no_uid).encode(), "has no uid"),
    ]
    for mode in ("validate", "mutate"):
        for body, reason in cases:
            status, headers, answer = served.request("POST", f"/{mode}", body)
            assert status == 400 and reason in json.loads(answer)["reason"], (mode, body, answer)
    assert served.request("POST", "/validate", minimal_review(), content_type="text/yaml")[0] == 400
    assert served.serves()


def test_served_oversized_body_is_413(served: Served) -> None:
    big = minimal_review()
    big["request"]["object"]["metadata"]["annotations"] = {"blob": "x" * (WEBHOOK_MAX_BODY + 10)}
    status, headers, body = served.request("POST", "/validate", big)
    assert status == 413 and json.loads(body)["reason"] == "Request Entity Too Large"
    # no Content-Length: a chunked body that turns out too large
    connection = served.connection()
    chunks = (b"x" * 8192 for _ in range(WEBHOOK_MAX_BODY // 8192 + 4))
    connection.request("POST", "/mutate", body=chunks, headers={"Content-Type": "application/json"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    response.read()
    connection.close()
    assert served.serves()


def raw_tls(served: Served) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", served.port), timeout=15)
    return served.context.wrap_socket(raw, server_hostname="127.0.0.1")


def read_status(sock: ssl.SSLSocket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize("style", ["stop", "dribble"])
def test_served_slow_client_is_408(served: Served, style: str) -> None:
    """Headers announce a large body that never (fully) arrives: 408 after --body-timeout (1 s)."""
    sock = raw_tls(served)
    head = f"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {WEBHOOK_MAX_BODY - 1}\r\n\r\n"
    sock.sendall(head.encode() + b'{"apiVersion"')
    started = time.monotonic()
    if style == "dribble":  # one byte every 0.2 s until the server answers (one thread: SSL sockets are not thread-safe)
        while time.monotonic() - started < 10 and not select.select([sock], [], [], 0.2)[0]:
            try:
                sock.sendall(b" ")
            except OSError:
                break
    status, data = read_status(sock)
    elapsed = time.monotonic() - started
    sock.close()
    assert status == 408 and b"Request Timeout" in data, data
    assert 0.5 < elapsed < 8
    assert served.serves()


def test_served_keep_alive_reuses_the_connection(served: Served) -> None:
    connection = served.connection()
    peers = set()
    for _ in range(5):
        connection.request(
            "POST", "/validate", body=json.dumps(minimal_review()).encode(), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("connection") != "close"
        response.read()
        assert connection.sock is not None
        peers.add(connection.sock.getsockname())
    connection.close()
    assert len(peers) == 1


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_served_metrics_count_requests(served: Served) -> None:
    def snapshot() -> str:
        status, headers, body = served.request("GET", "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
        return body.decode()

    before = snapshot()
    for _ in range(3):
        post(served, "validate", minimal_review())
    post(served, "mutate", minimal_review())
    served.request("POST", "/validate", b"{")
    after = snapshot()
    name = "chartguard_webhook_requests_total"
    assert metric(after, name, endpoint="/validate", code="200") - metric(before, name, endpoint="/validate", code="200") == 3
    assert metric(after, name, endpoint="/mutate", code="200") - metric(before, name, endpoint="/mutate", code="200") == 1
    assert metric(after, name, endpoint="/validate", code="400") - metric(before, name, endpoint="/validate", code="400") == 1
    hist = "chartguard_webhook_request_duration_seconds_count"
    assert metric(after, hist, endpoint="/validate") - metric(before, hist, endpoint="/validate") == 4
    assert "# TYPE chartguard_webhook_denials_total counter" in after


def test_served_logs_one_json_line_per_review_without_secret_data(served: Served) -> None:
    review = secret_review("7a6b5c4d-3e2f-4a1b-9c8d-00000000105e")
    for mode in ("validate", "mutate"):
        status, answer = post(served, mode, review)
        assert status == 200
    served.request("POST", "/validate", json.dumps(review).encode()[:-5])  # malformed: the reason is logged
    time.sleep(0.3)
    log = served.drain_log()
    lines = [json.loads(line) for line in log if line.startswith('{"msg":"admission"')]
    mine = [line for line in lines if line["uid"] == review["request"]["uid"]]
    assert len(mine) == 2
    for line in mine:
        assert {"uid", "kind", "namespace", "name", "operation", "allowed", "rules", "latency_ms"} <= set(line)
        assert (line["kind"], line["namespace"], line["name"], line["operation"]) == ("v1/Secret", "fn", "db", "CREATE")
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    for line in log:
        assert SECRET_VALUE not in line and encoded not in line


def test_served_memory_under_budget(served: Served) -> None:
    for _ in range(20):
        post(served, "validate", update_review())
    status = Path(f"/proc/{served.process.pid}/status")
    if not status.exists():
        pytest.skip("no /proc")
    rss_kb = int(re.search(r"VmRSS:\s+(\d+) kB", status.read_text())[1])  # type: ignore[index]
    assert rss_kb < 150 * 1024


def peer_serial(served: Served, context: ssl.SSLContext) -> int:
    with (
        socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
    ):
        der = sock.getpeercert(binary_form=True)
    from cryptography import x509

    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def test_served_certificate_reload(tmp_path: Path) -> None:
    """Replace the certificate files: new connections get the new certificate, without a restart,
    and a connection opened before the change keeps working."""
    old_ca, new_ca = trustme.CA(), trustme.CA()
    pki = write_pki(old_ca, tmp_path / "live")
    served = start_webhook(pki, "--cert-reload-interval", "0.2")
    try:
        old_context = served.context
        new_pki = write_pki(new_ca, tmp_path / "next")
        new_context = ssl.create_default_context(cafile=str(new_pki["ca"]))
        old_serial = peer_serial(served, old_context)
        kept = served.connection()
        kept.request("GET", "/healthz")
        assert kept.getresponse().read() == b"OK"

        for part in ("key", "cert"):  # atomic replacement, as a Secret volume update does
            staged = tmp_path / "live" / f".{part}.new"
            shutil.copy(new_pki[part], staged)
            os.replace(staged, pki[part])
        deadline, new_serial = time.monotonic() + 15, None
        while time.monotonic() < deadline:
            try:
                new_serial = peer_serial(served, new_context)
                break
            except ssl.SSLError:
                time.sleep(0.2)
        assert new_serial is not None and new_serial != old_serial
        with pytest.raises(ssl.SSLError):
            peer_serial(served, old_context)  # the old CA no longer verifies new handshakes
        kept.request("GET", "/healthz")
        assert kept.getresponse().read() == b"OK"
        kept.close()
        assert served.process.poll() is None
        assert any("reloaded" in line for line in served.drain_log())
    finally:
        served.stop()


def test_cert_reloader_keeps_the_old_chain_on_a_half_written_pair(tmp_path: Path, ca: trustme.CA) -> None:
    pki = write_pki(ca, tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki["cert"], pki["key"])
    reloader = CertReloader(context, str(pki["cert"]), str(pki["key"]))
    assert reloader.check() is False  # unchanged
    other = write_pki(trustme.CA(), tmp_path / "other")
    shutil.copy(other["cert"], pki["cert"])  # the key does not match yet
    assert reloader.check() is False and reloader.reloads == 0
    shutil.copy(other["key"], pki["key"])
    assert reloader.check() is True and reloader.reloads == 1


def test_served_deny_existing_violations(ca: trustme.CA, tmp_path: Path) -> None:
    served = start_webhook(write_pki(ca, tmp_path), "--deny-existing-violations")
    try:
        review = hostpath_update_review("5d4f2a9e-7c1b-4f0e-8a2d-0000000e0003", already=True)
        response = post(served, "validate", review)[1]["response"]
        rules = {"rules": "pss-host-path-volumes,pss-privileged,volume-types"}
        assert response["allowed"] is False and response["auditAnnotations"] == rules
    finally:
        served.stop()


# --- crafted input fails closed; malformed reviews are 400 ---------------------------------------------------


def with_raw_object(review: dict[str, Any], raw: bytes) -> bytes:
    """``review`` as JSON with its ``request.object`` replaced by ``raw`` (JSON too deep for json.dumps)."""
    review["request"]["object"] = "@OBJECT@"
    return json.dumps(review).encode().replace(b'"@OBJECT@"', raw)


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b'"x"' + b"}" * depth


def test_served_crafted_deep_objects_are_denied(served: Served) -> None:
    """A custom resource of a denied kind, and a hostPath Deployment, each with a field nested 985
    levels deep, used to be allowed with "could not check ... (RecursionError)"."""
    widget = minimal_review("9a1b2c3d-0000-4000-8000-00000000de01")
    widget["request"]["kind"] = {"group": "example.com", "version": "v1", "kind": "Widget"}
    raw_widget = b'{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":' + deep(985) + b"}"
    hostpath = minimal_review("9a1b2c3d-0000-4000-8000-00000000de02")
    hostpath["request"]["kind"] = {"group": "apps", "version": "v1", "kind": "Deployment"}
    raw_deployment = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"x":'
        + deep(985)
        + b'}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx"}],'
        + b'"volumes":[{"name":"h","hostPath":{"path":"/"}}]}}}}'
    )
    for review, raw in ((widget, raw_widget), (hostpath, raw_deployment)):
        status, _, body = served.request("POST", "/validate", with_raw_object(review, raw))
        response = json.loads(body)["response"]
        assert status == 200 and response["allowed"] is False, response
        assert response["auditAnnotations"] == {"rules": "max-object-depth"}
        assert (
            "over the webhook's limits (nested deeper than 100 levels; limit max-object-depth)" in response["status"]["message"]
        )
    status, _, body = served.request("POST", "/validate", with_raw_object(widget, deep(5000)))
    assert status == 400 and "depth limit exceeded" in json.loads(body)["reason"]
    assert served.serves()


def test_served_request_fields_of_the_wrong_type_are_400(served: Served) -> None:
    """A subResource sent as a list used to be "allowed with a TypeError warning"."""
    cases = {
        "subResource": ["status"],
        "operation": ["CREATE"],
        "kind": "Pod",
        "uid": {"id": 1},
        "namespace": ["default"],
        "userInfo": "admin",
        "dryRun": "no",
    }
    for mode in ("validate", "mutate"):
        for field_name, value in cases.items():
            review = hostpath_review()
            review["request"][field_name] = value
            status, _, body = served.request("POST", f"/{mode}", review)
            assert status == 400, (mode, field_name, body)
            assert field_name in json.loads(body)["reason"], body


def test_served_413_and_408_are_counted_and_logged(served: Served) -> None:
    name = "chartguard_webhook_requests_total"
    before = served.request("GET", "/metrics")[2].decode()
    served.drain_log()
    big = minimal_review("9a1b2c3d-0000-4000-8000-000000000413")
    big["request"]["object"]["metadata"]["annotations"] = {"blob": "x" * WEBHOOK_MAX_BODY}
    assert served.request("POST", "/validate", big)[0] == 413
    sock = raw_tls(served)
    sock.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    assert read_status(sock)[0] == 408
    sock.close()
    after = served.request("GET", "/metrics")[2].decode()
    assert metric(after, name, endpoint="/validate", code="413") - metric(before, name, endpoint="/validate", code="413") == 1
    assert metric(after, name, endpoint="/mutate", code="408") - metric(before, name, endpoint="/mutate", code="408") == 1
    time.sleep(0.3)
    lines = [json.loads(line) for line in served.drain_log() if line.startswith('{"msg":"admission"')]
    refused = {line["code"]: line for line in lines if line["code"] in (408, 413)}
    assert (
        refused[413]["endpoint"] == "/validate" and refused[413]["reason"] == f"request body larger than {WEBHOOK_MAX_BODY} bytes"
    )
    assert refused[408]["endpoint"] == "/mutate" and refused[408]["reason"] == "request body not received within 1s"
    assert all("blob" not in json.dumps(line) for line in lines)


# --- slow and piled-up connections ---------------------------------------------------------------------------


def closed_within(sock: socket.socket, seconds: float) -> tuple[float, bytes]:
    """Read until the server closes ``sock`` (at most ``seconds``); the time it took and what came."""
    started, data = time.monotonic(), b""
    sock.settimeout(seconds)
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (TimeoutError, ConnectionResetError, ssl.SSLError):
        pass
    return time.monotonic() - started, data


def test_served_half_a_request_line_is_closed_within_the_header_timeout(served: Served) -> None:
    """A TLS client that sends half a request line was never closed: now 408 and closed after
    --header-timeout (1 s), while normal requests keep being served meanwhile."""
    slow = []
    for partial in (b"POST /vali", b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Ty", b""):
        sock = raw_tls(served)
        if partial:
            sock.sendall(partial)
        slow.append(sock)
    assert served.serves()
    for sock in slow:
        elapsed, data = closed_within(sock, 10)
        sock.close()
        assert elapsed < 3, elapsed
        assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"connection: close" in data, data
    bare = socket.create_connection(("127.0.0.1", served.port), timeout=10)  # no TLS handshake at all
    elapsed, _ = closed_within(bare, 10)
    bare.close()
    assert elapsed < 3, elapsed
    text = served.request("GET", "/metrics")[2].decode()
    assert metric(text, "chartguard_webhook_connections_closed_total", reason="header-timeout") >= 3
    time.sleep(0.2)
    events = [json.loads(line) for line in served.drain_log() if line.startswith('{"msg":"connection"')]
    assert any(e["event"] == "header-timeout" and e["code"] == 408 and e["client"].startswith("127.0.0.1:") for e in events)


def test_served_a_kept_alive_connection_gets_the_header_timeout_per_request(served: Served) -> None:
    sock = raw_tls(served)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    for pause in (0, 1.5):  # a new connection's first head is due within 1 s; idle after a response is keep-alive time
        time.sleep(pause)
        sock.sendall(request)
        assert read_status(sock)[0] == 200
    sock.sendall(b"GET /heal")
    elapsed, data = closed_within(sock, 10)
    sock.close()
    assert elapsed < 3 and b"408" in data


def test_served_oversized_head_is_431(served: Served) -> None:
    sock = raw_tls(served)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Filler: " + b"y" * (70 * 1024))
    elapsed, data = closed_within(sock, 10)
    sock.close()
    assert data.startswith(b"HTTP/1.1 431 ") and elapsed < 3
    assert served.serves()


@pytest.fixture(scope="module")
def roomy(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A webhook taking 12 MiB bodies, at most 8 connections per worker, a 30 s header timeout."""
    pki = write_pki(ca, tmp_path_factory.mktemp("roomy"))
    server = start_webhook(pki, "--max-body-bytes", str(12 * 1024 * 1024), "--max-connections", "8", "--header-timeout", "30")
    yield server
    server.stop()


def test_served_connection_limit_refuses_with_503_and_keeps_serving(roomy: Served) -> None:
    held = [raw_tls(roomy) for _ in range(8)]
    try:
        time.sleep(0.2)
        extra = raw_tls(roomy)
        elapsed, data = closed_within(extra, 5)
        extra.close()
        assert data.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and elapsed < 2, data
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert roomy.serves()
    text = roomy.request("GET", "/metrics")[2].decode()
    assert metric(text, "chartguard_webhook_connections_closed_total", reason="too-many-connections") >= 1
    assert "\nchartguard_webhook_open_connections 1\n" in text  # the scrape's own connection


def test_served_a_huge_review_is_denied_quickly(roomy: Served) -> None:
    """10 MiB, 132k containers: used to block a worker for seconds; now denied before any rule runs."""
    review = minimal_review("9a1b2c3d-0000-4000-8000-0000000b16e5")
    review["request"]["object"]["spec"]["containers"] = [{"name": f"c{i}", "image": "nginx:1.27"} for i in range(132_000)]
    body = json.dumps(review).encode()
    assert len(body) > 5 * 1024 * 1024
    started = time.monotonic()
    status, _, answer = roomy.request("POST", "/validate", body)
    elapsed = time.monotonic() - started
    response = json.loads(answer)["response"]
    assert status == 200 and response["allowed"] is False and response["auditAnnotations"] == {"rules": "max-containers"}
    assert elapsed < 2, elapsed
    status, _, answer = roomy.request("POST", "/mutate", body)
    assert status == 200 and "patch" not in json.loads(answer)["response"]
