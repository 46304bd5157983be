"""Images should be pinned: a tag other than ``latest``, or a digest.

NVCF scales a function by starting more instances from the same image reference; with ``latest``
(or no tag, which means ``latest``) instances started at different times may run different code
("undefined behavior", NVCF docs). Init and ephemeral containers are checked too.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation


class ImageReference(NamedTuple):
    """An image reference split as container runtimes read it."""

    registry: str  # lower-cased host[:port]; "docker.io" when the reference names none
    repository: str  # the path inside the registry: "myorg/team/app"
    tag: str | None  # None when there is none ("" for "repo:")
    digest: str | None  # the text after "@", None when there is none


@lru_cache(maxsize=1024)
def image_reference(image: str) -> ImageReference:
    """Split ``registry/repository[:tag][@digest]``; the first path part is a registry when it has
    a ``.`` or ``:`` or is ``localhost`` (Docker's rule)."""
    name, at, digest = image.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first.lower(), rest
    else:
        registry, path = "docker.io", name
    head, _, last = path.rpartition("/")
    tag = None
    if ":" in last:
        last, tag = last.split(":", 1)
    return ImageReference(registry, f"{head}/{last}" if head else last, tag, digest if at else None)


def image_tag(image: str) -> str | None:
    """The tag of an image reference; None when it has none. Digests count as a pin ("@...")."""
    reference = image_reference(image)
    return "@" + reference.digest if reference.digest is not None else reference.tag


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            image = container.spec.get("image")
            if not isinstance(image, str) or not image.strip():
                yield Violation(
                    detail=f"{container.label}: no image",
                    reason="container has no image",
                    severity=Severity.ERROR,
                    pointer=f"{container.pointer}/image" if "image" in container.spec else container.pointer,
                )
                continue
            tag = image_tag(image.strip())
            if tag in (None, "", "latest"):  # "repo:" (an unset tag value) is not a pin either
                state = "no tag, so latest" if tag is None else ("empty tag" if tag == "" else "tag latest")
                yield Violation(detail=f"{container.label}: {image} ({state})", pointer=f"{container.pointer}/image")


RULE = ObjectRule(
    id="image-tag",
    title="Images are pinned, not latest",
    reason="image not pinned",
    severity=Severity.WARNING,
    remediation="Use an explicit version tag (image: repo/app:1.4.2) or a digest (@sha256:...).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Function Creation (container versions and autoscaling)",
)
