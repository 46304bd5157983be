"""The limits ``chartguard serve`` puts on untrusted callers, with their defaults (no imports: the
CLI reads them for its ``--help``).

:class:`Limits` bounds one object under admission (measured by :func:`chartguard.bounds.over_limit`
before any rule runs); :class:`ConnectionLimits` bounds one connection
(:mod:`chartguard.server.connections`). The object defaults leave room for any object the
Kubernetes API server stores: it refuses request bodies over 3 MiB, and etcd objects over 1.5 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DEFAULT_CONNECTION_LIMITS", "DEFAULT_LIMITS", "LIMIT_NAMES", "ConnectionLimits", "Limits"]

#: The names a denial gives each object limit (its ``chartguard serve`` flag without the dashes).
LIMIT_NAMES = ("max-containers", "max-object-depth", "max-object-nodes", "max-object-bytes")


@dataclass(frozen=True)
class Limits:
    """The bounds of one object (``chartguard serve --max-object-bytes`` … ``--max-containers``):
    containers in one pod or pod template, nesting depth of objects and arrays, JSON values, and
    bytes of compact JSON."""

    max_object_bytes: int = 3 * 1024 * 1024
    max_object_depth: int = 100
    max_object_nodes: int = 100_000
    max_containers: int = 100

    def __post_init__(self) -> None:
        _positive(self)


@dataclass(frozen=True)
class ConnectionLimits:
    """What one worker process allows a connection: seconds for the TLS handshake and then for each
    request head (``--header-timeout``), open connections (``--max-connections``), bytes of one
    request head (``--max-header-bytes``; Go's server allows 1 MiB, nginx 8-32 KiB)."""

    header_timeout: float = 10.0
    max_connections: int = 1000
    max_header_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        _positive(self)


def _positive(limits: Limits | ConnectionLimits) -> None:
    for item in fields(limits):
        value = getattr(limits, item.name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"{item.name} must be a positive number, not {value!r}")
        if item.type == "int" and not isinstance(value, int):
            raise ValueError(f"{item.name} must be an integer, not {value!r}")


DEFAULT_LIMITS = Limits()
DEFAULT_CONNECTION_LIMITS = ConnectionLimits()
