"""Hostile shapes: any field of a real workload replaced by any JSON value never breaks a review.

The apiserver validates objects before validating webhooks see them, but a mutating webhook runs
first and sees what the client sent, and a rule that crashes on an odd shape would answer "allowed
with a warning" (or a 500 under --strict) instead of judging the object. So: every answer keeps the
AdmissionReview contract, no rule raises (no "could not check ... internal error"), and a mutation
patch always applies.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from chartguard.admission import review
from chartguard.profile import load_profile

PROFILES = [load_profile(name) for name in ("nvcf", "nvcf-strict", "nvcf-webhook")]

GPU = {"nvidia.com/gpu": "8", "cpu": "2", "memory": "4Gi"}
POD_SPEC: dict[str, Any] = {
    "automountServiceAccountToken": False,
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
    "nodeSelector": {"nvca.nvcf.nvidia.io/instance-type": "ON-PREM.GPU.B200"},
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-B200"]}]}
                ]
            }
        }
    },
    "initContainers": [{"name": "fetch", "image": "nvcr.io/acme/fetch:1", "command": ["sh", "-c", "true"]}],
    "containers": [
        {
            "name": "rank",
            "image": "nvcr.io/acme/rank:2.1",
            "env": [
                {"name": "NODES_PER_INSTANCE", "value": "2"},
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            ],
            "ports": [{"containerPort": 8000, "name": "http"}],
            "resources": {"limits": dict(GPU), "requests": dict(GPU)},
            "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}, {"name": "cfg", "mountPath": "/config/app"}],
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"], "add": ["IPC_LOCK"]}},
            "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        }
    ],
    "volumes": [
        {"name": "shm", "emptyDir": {"medium": "Memory"}},
        {"name": "cfg", "projected": {"sources": [{"configMap": {"name": "c"}}]}},
    ],
}
METADATA = {
    "name": "rank",
    "namespace": "fn",
    "labels": {"app": "rank", "GPU_COUNT": "16"},
    "annotations": {"nvcf.nvidia.io/instance-type-name": "ON-PREM.GPU.B200_8x.x2"},
}
OBJECTS = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": METADATA, "spec": POD_SPEC},
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": METADATA,
        "spec": {"replicas": 2, "serviceName": "rank", "template": {"metadata": METADATA, "spec": POD_SPEC}},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": METADATA,
        "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": {"metadata": METADATA, "spec": POD_SPEC}}}},
    },
    {"apiVersion": "v1", "kind": "Service", "metadata": METADATA, "spec": {"type": "ClusterIP", "ports": [{"port": 8000}]}},
]

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(["", "0", "-1", "1.5", "8", "1k", "true", "ALL", "/", "Always", "windows", "Localhost"]),
    ),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)),
    max_leaves=6,
)


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (not the root)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += places(child, (*path, index))
    return found


@st.composite
def hostile_objects(draw: st.DrawFn) -> dict[str, Any]:
    obj = copy.deepcopy(draw(st.sampled_from(OBJECTS)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(places(obj)))
        if path[:1] in (("apiVersion",), ("kind",)):
            continue  # those decide whether the object is judged at all
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(JSON)
    return obj


@settings(max_examples=300, deadline=None)
@given(obj=hostile_objects(), profile=st.sampled_from(PROFILES), operation=st.sampled_from(["CREATE", "UPDATE"]))
def test_no_shape_breaks_a_review(obj: dict[str, Any], profile: Any, operation: str) -> None:
    request: dict[str, Any] = {"uid": "f0e1d2c3", "operation": operation, "object": obj, "namespace": "fn"}
    if operation == "UPDATE":
        request["oldObject"] = OBJECTS[1]
    body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    for mode in ("validate", "mutate"):
        answer = review(body, mode=mode, profile=profile)  # type: ignore[arg-type]
        response = answer["response"]
        assert response["uid"] == "f0e1d2c3" and isinstance(response["allowed"], bool)
        text = json.dumps(response)
        assert "internal error" not in text and "could not check" not in text, text
        for warning in response.get("warnings", []):
            assert len(warning) <= 120 and "\n" not in warning
        if mode == "mutate":
            assert response["allowed"] is True
            if "patch" in response:
                jsonpatch.apply_patch(obj, json.loads(base64.b64decode(response["patch"])))
        elif not response["allowed"]:
            assert response["status"]["code"] == 403 and "\n" not in response["status"]["message"]


WEBHOOK = None


def webhook_app() -> Any:
    """The real webhook app (real review, nvcf-webhook profile), built once."""
    global WEBHOOK
    if WEBHOOK is None:
        from chartguard.server import create_app
        from chartguard.server.webhook import WebhookOptions

        WEBHOOK = create_app(webhook=WebhookOptions(profile=PROFILES[2]), serve_reval=False)
    return WEBHOOK


REQUEST_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "uid": st.one_of(st.text(max_size=5), JSON),
        "operation": st.one_of(st.sampled_from(["CREATE", "UPDATE", "DELETE", "CONNECT"]), JSON),
        "object": st.one_of(st.sampled_from(OBJECTS), JSON),
        "oldObject": st.one_of(st.sampled_from(OBJECTS), JSON),
        "subResource": st.one_of(st.sampled_from(["status", "scale", "ephemeralcontainers"]), JSON),
        "namespace": JSON,
        "kind": JSON,
        "dryRun": JSON,
    },
)
BODIES = st.one_of(
    st.binary(max_size=40),
    JSON.map(lambda value: json.dumps(value).encode()),
    REQUEST_FIELDS.map(
        lambda request: json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}).encode()
    ),
)


@settings(max_examples=300, deadline=None)
@given(body=BODIES, path=st.sampled_from(["/validate", "/mutate"]))
def test_any_body_gets_200_or_400_never_500(body: bytes, path: str) -> None:
    import asyncio

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    asyncio.run(webhook_app()(scope, receive, send))
    status, payload = sent[0]["status"], json.loads(sent[1]["body"])
    assert status in (200, 400), (status, payload)
    if status == 400:
        assert payload["error"] == "bad request" and payload["reason"]
    else:
        assert payload["response"]["uid"] == json.loads(body)["request"]["uid"]
        assert "internal error" not in json.dumps(payload)
