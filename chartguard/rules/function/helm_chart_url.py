"""The function definition's ``helmChart`` URL must be one NVCF can fetch, in NGC's form, for this chart.

Checked only when the function definition (``--function``) gives ``helmChart``:

- like NVCF's chart validator (helm-reval), the URL must parse, use the ``https`` or ``oci`` scheme,
  have a host, and not be an IP literal in a private, loopback, link-local, unspecified, multicast
  or carrier-grade NAT (100.64.0.0/10) range (IPv4-mapped and zoned IPv6 forms included);
- a chart on NGC (``helm.ngc.nvidia.com``) must be at
  ``https://helm.ngc.nvidia.com/<org>/[<team>/]charts/<name>-<X.Y.Z>.tgz`` with a version without
  a pre-release part: ``.../charts/nginx-0.1.5.tgz`` is valid, ``nginx-0.1.5-hello.tgz`` is not
  (NVCF docs; ``X.Y`` as in NVIDIA's own ``inference-test-1.0.tgz`` example is accepted);
- when a chart is linted, the chart name and version in the URL (``<name>-<version>.tgz``, or an
  ``oci://.../<name>:<version>`` reference) should be the linted chart's, or NVCF deploys another
  chart than the one checked (a warning).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

from ...findings import Severity
from ...semver import parse_version
from ..base import ReleaseRule, RuleContext, Violation

#: ``/<org>/[<team>/]charts/<file>`` on an NGC Helm host.
_NGC_PATH = re.compile(r"^/(?P<org>[^/]+)/(?:(?P<team>[^/]+)/)?charts/(?P<file>[^/]+)$")
#: ``<name>-<version>.tgz``: the longest name followed by a version (which may carry ``-pre``/``+build``).
_CHART_FILE = re.compile(r"^(?P<name>.+)-(?P<version>v?[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$")
NGC_FORM = "https://helm.ngc.nvidia.com/<org>/[<team>/]charts/<name>-<X.Y.Z>.tgz"


class NgcChart(NamedTuple):
    """Where an NGC chart URL points: its org, team (None when org-level), chart name and version."""

    org: str
    team: str | None
    name: str
    version: str


def is_ngc_helm_host(host: str) -> bool:
    """``helm.ngc.nvidia.com`` (or another environment's ``helm.<env>.ngc.nvidia.com``)."""
    return host == "helm.ngc.nvidia.com" or (host.startswith("helm.") and host.endswith(".ngc.nvidia.com"))


def ngc_chart(url: str | None) -> NgcChart | None:
    """The NGC org/team/name/version of a well-formed NGC chart URL; None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = _NGC_PATH.match(parts.path)
    file = _CHART_FILE.match(path["file"]) if path else None
    if parts.scheme != "https" or not is_ngc_helm_host(parts.hostname or "") or not path or not file:
        return None
    return NgcChart(path["org"], path["team"], file["name"], file["version"])


def is_private_host(host: str) -> bool:
    """Whether ``host`` is an IP literal NVCF refuses to fetch from (hostnames are never private here)."""
    import ipaddress  # only when a function definition gives a chart URL

    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])  # a zone ("fe80::1%eth0") does not change the range
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    shared = ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast or shared


def check(ctx: RuleContext) -> Iterable[Violation]:
    function = ctx.function
    if function is None or not function.helm_chart:
        return
    location, about = function.location("helmChart"), function.ref

    def finding(detail: str, reason: str | None = None, severity: Severity | None = None) -> Violation:
        return Violation(detail=detail, reason=reason, severity=severity, location=location, object=about)

    try:
        parts = urlsplit(function.helm_chart)
        host = parts.hostname or ""
    except ValueError as exc:
        yield finding(f"invalid helm chart URL: {exc}")
        return
    rejected = []
    if parts.scheme not in ("https", "oci"):
        rejected.append(f'helm chart URL must use https or oci scheme, got "{parts.scheme}"')
    if not host:
        rejected.append("helm chart URL must have a host")
    elif is_private_host(host):
        rejected.append(f"helm chart URL must not point to private networks ({host})")
    for detail in rejected:
        yield finding(detail)
    if rejected:
        return
    if parts.scheme == "https" and is_ngc_helm_host(host):
        malformed = _ngc_form(parts)
        if malformed:
            yield finding(malformed, reason="NGC helm chart URL malformed")
            return
    if ctx.chart is not None:
        mismatch = _chart_mismatch(parts, ctx.chart.name, ctx.chart.version)
        if mismatch:
            yield finding(mismatch, reason="helm chart URL names another chart", severity=Severity.WARNING)


def _ngc_form(parts: SplitResult) -> str:
    """What is wrong with an NGC chart URL ("" when nothing)."""
    path = _NGC_PATH.match(parts.path)
    if path is None or parts.query or parts.fragment:
        return f"{parts.geturl()} is not of the form {NGC_FORM}"
    file = _CHART_FILE.match(path["file"])
    if file is None:
        return f'chart file "{path["file"]}" is not <name>-<X.Y.Z>.tgz'
    version = parse_version(file["version"])
    if version is None or "-" in file["version"]:  # a pre-release, or a "-" in build metadata (chart-version)
        return f'chart file "{path["file"]}": version {file["version"]} is not a release version X.Y.Z'
    return ""


def _chart_mismatch(parts: SplitResult, name: str, version: str) -> str:
    """How the chart the URL names differs from the linted chart ("" when it does not, or is unknown)."""
    last = posixpath.basename(parts.path)
    if parts.scheme == "oci":
        named, _, tag = last.partition(":")
        if named != name or (tag and tag != version):
            return f"the URL names chart {named}{' ' + tag if tag else ''}; the linted chart is {name} {version}"
        return ""
    if not last.endswith(".tgz"):
        return ""
    if last != f"{name}-{version}.tgz":
        return f"the URL names {last}; the linted chart is {name} {version} ({name}-{version}.tgz)"
    return ""


RULE = ReleaseRule(
    id="helm-chart-url",
    title="helmChart URL is fetchable, NGC-form, and names this chart",
    reason="helm chart URL rejected by NVCF",
    severity=Severity.ERROR,
    remediation=f"Point helmChart at the pushed chart over https (or oci): {NGC_FORM}, "
    "with the name and version of the chart's Chart.yaml.",
    check=check,
    doc=__doc__ or "",
    reference="NVCF docs, Helm-Based Function Creation > Create a Helm-based Function; helm-reval URL validation",
)
