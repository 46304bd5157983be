"""``chartguard serve``: the admission webhook and helm-reval's HTTP API."""

from __future__ import annotations

from typing import Any

import click

from ..limits import DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS
from .common import DEFAULT_RENDER_MEMORY_MIB, DEFAULT_RENDER_TIMEOUT, apply_render_limits, guarded


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (a non-loopback address needs --token-file or --no-auth while /v1/* is served).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port (helm-reval's API port; 0 picks a free one).",
)
@click.option("--cert-file", type=click.Path(dir_okay=False), help="TLS certificate (PEM); serve HTTPS with --key-file.")
@click.option("--key-file", type=click.Path(dir_okay=False), help="TLS private key (PEM).")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    envvar="CHARTGUARD_TOKEN_FILE",
    help="File holding the bearer token /v1/* requests must send [env CHARTGUARD_TOKEN_FILE].",
)
@click.option("--no-auth", is_flag=True, help="Serve /v1/* without authentication on a non-loopback address.")
@click.option("--skip-validate-objects", is_flag=True, help="helm-reval setting: object-rule errors are only logged.")
@click.option(
    "--skip-sanitize-object-metadata",
    is_flag=True,
    help="helm-reval setting: keep labels, annotations, owner references and selectors.",
)
@click.option(
    "--skip-validate-images/--validate-images",
    default=True,
    show_default=True,
    help="helm-reval setting: image existence checks (a request's validateImages wins).",
)
@click.option(
    "--preserve-label",
    "preserve_labels",
    multiple=True,
    metavar="KEY",
    help="helm-reval setting: label key kept by sanitisation (repeatable).",
)
@click.option(
    "--preserve-annotation",
    "preserve_annotations",
    multiple=True,
    metavar="KEY",
    help="helm-reval setting: annotation key kept by sanitisation (repeatable).",
)
@click.option(
    "--allow-local-charts",
    is_flag=True,
    help="Accept local paths and file:// in helmChart (helm-reval accepts only https:// and oci://).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1),
    default=10 * 1024 * 1024,
    show_default=True,
    help="Largest request body (larger: 413).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Charts fetched and rendered at the same time.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="Server log level.",
)
@click.option(
    "--endpoints",
    type=click.Choice(["all", "webhook", "reval"]),
    default="all",
    show_default=True,
    help="Front doors to serve: the admission webhook (/validate, /mutate, /readyz, /metrics), helm-reval's API (/v1/*, /info), or both (/healthz always).",
)
@click.option(
    "-p",
    "--profile",
    default="nvcf-webhook",
    show_default=True,
    metavar="NAME|FILE",
    help="Webhook profile (see `chartguard profiles`); loaded once at start. The default, nvcf-webhook, is nvcf "
    "plus the GPU gate: a GPU request needs a known instance type and its nodes' affinity.",
)
@click.option("-b", "--backend", metavar="NAME", help="Webhook: NVCF backend the profile applies to.")
@click.option("--strict", is_flag=True, help="Webhook: the profile's strict severities.")
@click.option(
    "--fail-open",
    is_flag=True,
    help="Webhook: RISKY. An internal error allows the object with a warning instead of denying it, so an "
    "input that crashes a check gets in unchecked (limits still deny).",
)
@click.option(
    "--max-object-bytes",
    type=click.IntRange(1),
    default=DEFAULT_LIMITS.max_object_bytes,
    show_default=True,
    help="Webhook: largest object (compact JSON bytes); larger is denied before any rule runs.",
)
@click.option(
    "--max-object-depth",
    type=click.IntRange(1, 500),
    default=DEFAULT_LIMITS.max_object_depth,
    show_default=True,
    help="Webhook: deepest nesting of objects and arrays; deeper is denied.",
)
@click.option(
    "--max-object-nodes",
    type=click.IntRange(1),
    default=DEFAULT_LIMITS.max_object_nodes,
    show_default=True,
    help="Webhook: most JSON values in an object; more is denied.",
)
@click.option(
    "--max-containers",
    type=click.IntRange(1),
    default=DEFAULT_LIMITS.max_containers,
    show_default=True,
    help="Webhook: most containers (init, regular, ephemeral) in a pod or pod template; more is denied.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0.1),
    default=DEFAULT_CONNECTION_LIMITS.header_timeout,
    show_default=True,
    help="Seconds for the TLS handshake, then for a request's head (slower: 408 and the connection is closed).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=DEFAULT_CONNECTION_LIMITS.max_connections,
    show_default=True,
    help="Open connections per worker process (more: 503 and closed).",
)
@click.option(
    "--max-header-bytes",
    type=click.IntRange(1024),
    default=DEFAULT_CONNECTION_LIMITS.max_header_bytes,
    show_default=True,
    help="Largest request head (request line and headers; larger: 431 and closed).",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1),
    default=10.0,
    show_default=True,
    help="Seconds to receive a request body (slower: 408).",
)
@click.option(
    "--keep-alive-timeout",
    type=click.IntRange(1),
    default=120,
    show_default=True,
    help="Idle keep-alive seconds (keep above the apiserver's 90 s).",
)
@click.option(
    "--cert-reload-interval",
    type=click.FloatRange(0.1),
    default=1.0,
    show_default=True,
    help="Seconds between checks of --cert-file/--key-file for a new certificate.",
)
@click.option(
    "--deny-existing-violations",
    is_flag=True,
    help="Webhook: on UPDATE, also deny errors the old object already had (default: an identical existing "
    "violation only warns, so a stuck object can still be relabelled; new or changed ones deny).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes serving the same port (one per CPU the server may use); metrics are summed over them.",
)
@click.option("--allow-private-chart-hosts", is_flag=True, hidden=True, help="TEST ONLY: fetch charts from loopback addresses.")
@click.option(
    "--render-timeout",
    type=click.FloatRange(0.1, 3600),
    default=DEFAULT_RENDER_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="helm-reval API: stop a render that takes longer (answered with its error).",
)
@click.option(
    "--render-memory",
    type=click.IntRange(64, 1 << 20),
    default=DEFAULT_RENDER_MEMORY_MIB,
    show_default=True,
    metavar="MIB",
    help="helm-reval API: memory the Helm engine may use for one chart.",
)
@click.option("--disable", "disabled", multiple=True, metavar="RULE", help="Webhook: skip a rule of the profile (repeatable).")
@click.option(
    "--pss-level",
    type=click.Choice(["privileged", "baseline", "restricted"]),
    help="Webhook: Pod Security Standards level [profile's].",
)
@click.option("--pss-version", metavar="v1.N|latest", help="Webhook: Pod Security Standards policy version [profile's].")
@guarded
def serve(**flags: Any) -> int:
    """Serve the admission webhook (POST /validate, POST /mutate, GET /readyz, GET /metrics) and
    helm-reval's HTTP API (POST /v1/validate, POST /v1/render, GET /info), and GET /healthz.

    \b
    Same request and response bodies as NVCF's helm-reval. Authentication: with --token-file,
    /v1/* requires 'Authorization: Bearer <token>'; without it chartguard serves only on a
    loopback address (unless --no-auth). helm-reval's JWKS/OIDC authorisers are not implemented.
    """
    from ..helmreval import ServerSettings  # deferred: only `serve` loads the server stack
    from ..release import PolicyOptions  # deferred: only `serve` loads the server stack
    from ..server.reval_api import RevalOptions  # deferred: only `serve` loads the server stack
    from ..server.run import ServeConfig  # deferred: only `serve` loads the server stack
    from ..server.run import serve as run_server  # deferred: only `serve` loads the server stack

    apply_render_limits(flags.pop("render_timeout"), flags.pop("render_memory"))
    reval_settings = ("skip_validate_objects", "skip_sanitize_object_metadata", "skip_validate_images", "preserve_labels",
                      "preserve_annotations", "allow_private_chart_hosts")  # fmt: skip
    settings = ServerSettings(**{key: flags.pop(key) for key in reval_settings})
    reval = RevalOptions(
        settings=settings, allow_local_charts=flags.pop("allow_local_charts"), concurrency=flags.pop("concurrency")
    )
    policy_keys = ("profile", "backend", "strict", "disabled", "pss_level", "pss_version")
    policy = PolicyOptions(**{key: flags.pop(key) for key in policy_keys})
    limits = ("max_object_bytes", "max_object_depth", "max_object_nodes", "max_containers")
    review_settings = {key: flags.pop(key) for key in limits}
    review_settings["allow_existing_violations"] = not flags.pop("deny_existing_violations")
    return run_server(ServeConfig(**flags, reval=reval, policy=policy, webhook_settings=review_settings))
