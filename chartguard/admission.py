"""Admission control: an AdmissionReview v1 in, the AdmissionReview response out (no sockets).

    >>> review(body, mode="validate", profile=load_profile("nvcf"))
    {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": ..., "allowed": ...}}

The same rules as ``chartguard lint``, run on the one object under admission; ``mode="mutate"``
answers with the safe fixes as a base64 JSONPatch. Malformed reviews raise ``ReviewError`` (the
server answers HTTP 400 with its message).
"""

from __future__ import annotations

from typing import Any, Literal

from .profile import Profile


class ReviewError(ValueError):
    """A request body that is not a usable AdmissionReview v1 (HTTP 400)."""


def review(body: Any, *, mode: Literal["validate", "mutate"], profile: Profile, **settings: Any) -> dict[str, Any]:
    """Answer one AdmissionReview (``body`` is the decoded JSON)."""
    raise NotImplementedError("chartguard.admission.review is being written")
