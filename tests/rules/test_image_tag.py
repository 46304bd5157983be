"""``image-tag``: Images are pinned, not latest."""

from __future__ import annotations

import pytest
from helpers.lint import found
from helpers.rules import WORKER, lint, rows


def test_image_tag() -> None:
    report = lint("insecure")
    assert rows(report, "image-tag", "insecure") == [
        ("error", WORKER, 'initContainer "setup": no image', "templates/deployment.yaml:30 - name: setup"),
        ("warning", WORKER, 'container "worker": nvcr.io/myorg/worker:latest (tag latest)',
         "templates/deployment.yaml:40 image: {{ .Values.image }}"),
        (
            "warning",
            WORKER,
            'container "sidecar": busybox (no tag, so latest)',
            "templates/deployment.yaml:62 image: busybox",
        ),
    ]  # fmt: skip
    reasons = [f.reason for f in found(report, "image-tag")]
    assert reasons == ["container has no image", "image not pinned", "image not pinned"]


@pytest.mark.parametrize("image", ["nvcr.io/myorg/worker:1.2.3", "localhost:5000/worker:v2", "worker@sha256:" + "ab" * 32])
def test_image_tag_pinned_images_pass(image: str) -> None:
    details = [f.detail for f in found(lint("insecure", {"image": image}), "image-tag")]
    assert not any('"worker"' in d for d in details)
    assert len(details) == 2  # setup and sidecar still


@pytest.mark.parametrize(
    ("image", "state"),
    [
        ("localhost:5000/worker", "no tag, so latest"),  # the port is not a tag
        ("nvcr.io/myorg/worker", "no tag, so latest"),
        ("worker:latest", "tag latest"),
    ],
)
def test_image_tag_unpinned_variants(image: str, state: str) -> None:
    details = [f.detail for f in found(lint("insecure", {"image": image}), "image-tag")]
    assert f'container "worker": {image} ({state})' in details


def test_image_tag_empty_tag_value() -> None:
    # a common slip: image: "repo:{{ .Values.image.tag }}" with no tag set renders "repo:"
    report = lint("good", {"image": {"tag": ""}})
    assert rows(report, "image-tag", "good") == [
        ("warning", "Deployment mini-service-good", 'container "echo": nvcr.io/myorg/echo: (empty tag)',
         'templates/deployment.yaml:25 image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    ]  # fmt: skip
