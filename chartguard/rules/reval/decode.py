"""helm-reval: the rendered release decodes within helm-reval's limits.

helm-reval reads the release manifest document by document and stops at the first of:
``size of object at index <i> is larger than maximum 1049600 bytes (including object metadata)``
(the size includes Helm's ``# Source:`` line), ``rendered chart contains more objects than the
maximum allowed 300`` (documents are counted from 0, every non-empty document counts, so 301 pass).
It also reports ``decode object <i>: …`` (an unparsable apiVersion), ``object <i> is not a valid
Kubernetes type (does not implement metav1.Object)`` (``v1 List``, ``v1 Status``...) and ``object
<i> is missing required field metadata.name``. Documents without apiVersion and kind are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ReleaseRule, RuleContext, Violation
from .decoder import InternalError, decode_documents


def tokens(manifests: list[Manifest]) -> list[bytes]:
    """The release manifest's documents as helm-reval's decoder sees them (``# Source:`` lines in)."""
    out = []
    for i, manifest in enumerate(manifests):
        text = manifest.text
        if manifest.template and not text.startswith("# Source:"):
            text = f"# Source: {manifest.template}\n{text}"
        out.append((("---\n" if i == 0 else "") + text).encode("utf-8", "surrogatepass"))
    return out


def check(ctx: RuleContext) -> Iterable[Violation]:

    try:
        _, errors = decode_documents(tokens(ctx.manifests))
    except InternalError as exc:
        errors = [str(exc)]
    for message in errors:
        index = _index(message)
        subject = ctx.manifests[index] if index is not None and index < len(ctx.manifests) else None
        yield Violation(manifest=subject, detail=message)


def _index(message: str) -> int | None:

    match = re.search(r"(?:index|object) (\d+)", message)
    return int(match.group(1)) if match else None


RULE = ReleaseRule(
    id="reval-decode",
    title="helm-reval: objects decode within the limits",
    reason="object rejected by helm-reval's decoder",
    severity=Severity.ERROR,
    remediation="Keep each object under 1 MiB and the release at 301 documents or fewer; give every object a metadata.name.",
    check=check,
    doc=__doc__ or "",
    reference="helm-reval reval/serialize.go decode",
    category="helm-reval",
)
