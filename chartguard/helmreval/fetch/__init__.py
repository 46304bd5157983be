"""Fetch a chart archive the way helm-reval does: ``https://`` (a direct ``.tgz``) or ``oci://``.

helm-reval's rules (reference section 1.8), with its messages:

- the URL is checked first (:func:`validate_chart_url`): https/oci scheme, a host name, and no IP
  literal in a private network;
- every connection resolves the host name, refuses when **any** address is private
  (``connection to blocked address …``) and then connects to the checked address itself, so a
  second DNS answer cannot swap in another one (TLS still verifies the certificate against the
  host name); environment proxies are never used;
- redirects: HTTPS only, no private IP literal, and Go's limit: a client makes at most 10 requests,
  so the 10th redirect is refused (``stopped after 10 redirects``);
- credentials, in order: the legacy NGC ``apiKey`` (user ``$oauthtoken``, NGC hosts only), each
  ``helmRegistryAuthConfig.k8sSecrets[i].auths[<host[:port]>]``, then anonymous. For https charts a
  401/403 answer moves on to the next credential silently; any other failure is remembered (for OCI
  charts every failure, since ORAS's wording never matches helm-reval's 401/403 pattern). When
  nothing works, the distinct remembered errors are joined by newlines, or the message is
  ``no credential was valid to pull chart …``.

Every failure is raised as :class:`FetchError`; the library reports it as the validation error
``run helm template: <message>``. Transport errors read like Go's (``Get "<url>": <reason>``)
because helm-reval's do.

The two paths follow the two Go clients helm-reval uses: https charts go through Helm's HTTP
getter (Go's default redirect policy, ``redirected chart downloads must use HTTPS``), OCI charts
through the ORAS registry client, whose redirect check says ``redirected requests must use HTTPS,
got "http"`` and ``redirect to blocked address …``. The whole fetch has a 2-minute budget
(:data:`FETCH_TIMEOUT`) and a chart larger than :data:`MAX_CHART_BYTES` is refused.

Not done (helm-reval does them): the cloud credential helpers (ECR/GCR/ACR token exchange and
credentials from the environment), the OAuth2 password grant when logging in to a registry, and
retries on 429/5xx. A registry's token realm must be an ``https://`` URL.

Certificates are verified against the system trust store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
override it, as for Go). ``ServerSettings.allow_private_chart_hosts`` is a **test-only** switch
that lets loopback addresses (127.0.0.0/8, ::1) through; it never opens private networks.

One module per job, imports flowing upwards: ``url`` (Go's URL parser and helm-reval's URL checks)
and ``auth`` (credentials) at the bottom, ``transport`` (the SSRF-safe HTTP client) above ``url``,
``https`` and ``oci`` (the two chart paths) above ``transport`` and ``auth``, and :func:`fetch_chart`
here on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...gofmt import go_quote
from .auth import credential_attempts
from .https import AuthIssue, fetch_https_chart
from .oci import fetch_oci_chart
from .transport import FETCH_TIMEOUT, MAX_CHART_BYTES, FetchError, _Client, _Deadline, _TransportError
from .url import is_private_ip, parse_url, validate_chart_url

__all__ = [
    "FETCH_TIMEOUT",
    "MAX_CHART_BYTES",
    "FetchError",
    "fetch_chart",
    "is_private_ip",
    "validate_chart_url",
]


def _allow_loopback(settings: Any) -> bool:
    if isinstance(settings, Mapping):
        return bool(settings.get("allow_private_chart_hosts", False))
    return bool(getattr(settings, "allow_private_chart_hosts", False))


def fetch_chart(url: str, request: Mapping[str, Any], settings: Any = None, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """Download the chart archive at ``url`` (``https://`` or ``oci://``) with helm-reval's rules.

    ``request`` is the helm-reval request (``apiKey``, ``helmRegistryAuthConfig`` are read);
    ``settings`` a :class:`~chartguard.helmreval.ServerSettings` (or mapping); only its test-only
    ``allow_private_chart_hosts`` matters here. Raises :class:`FetchError` with helm-reval's message.
    """
    allow = _allow_loopback(settings)
    problems = validate_chart_url(url, allow_loopback=allow)
    if problems:
        raise FetchError("\n".join(problems))
    parsed = parse_url(url)
    client = _Client(_Deadline(timeout), allow_loopback=allow)
    remembered: dict[str, None] = {}
    for creds in credential_attempts(parsed.host, request if isinstance(request, Mapping) else {}):
        try:
            if creds.error:
                raise FetchError(creds.error)
            if parsed.scheme == "oci":
                return fetch_oci_chart(client, parsed, url, creds)
            return fetch_https_chart(client, parsed, creds)
        except AuthIssue:
            continue
        except _TransportError as exc:  # pragma: no cover - every transport error is wrapped with its URL
            remembered.setdefault(str(exc))
        except FetchError as exc:
            remembered.setdefault(exc.message)
    if remembered:
        raise FetchError("\n".join(remembered))
    raise FetchError(f"no credential was valid to pull chart {go_quote(url)}, manually verify credentials are valid")
