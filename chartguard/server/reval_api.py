"""helm-reval's HTTP API on a chartguard :class:`~chartguard.server.app.App`.

``POST /v1/validate`` and ``POST /v1/render`` take helm-reval's request JSON and answer with the
library's result (:func:`chartguard.helmreval.validate` / :func:`~chartguard.helmreval.render`): ``200`` for
every completed run, valid or not; ``400`` ``Error parsing JSON`` for malformed JSON and for the
library's :class:`~chartguard.helmreval.RequestError`; ``500 {"error":"internal error"}`` for anything
unexpected. ``GET /info`` gives the build, ``GET /healthz`` ``OK`` (helm-reval serves it on its
management port; chartguard on the same port).

Differences from helm-reval, on purpose:

- authentication is an optional static bearer token (``--token-file``), not JWKS/OIDC; see
  docs/server.md for the policy;
- ``helmChart`` must be an ``https://`` or ``oci://`` URL unless ``allow_local_charts`` is set
  (the library also reads local charts; a remote client must not pick files on the server);
- request bodies are limited (``max_body_bytes``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from .. import __version__
from .. import helmreval as reval
from ..gofmt import go_quote
from ..helmreval import RequestError, ServerSettings
from ..helmreval.fetch import validate_chart_url
from .app import App, Authorizer, Request, Response, api_error, healthz, internal_error, json_response

log = logging.getLogger("chartguard.server")

#: helm-reval's per-request context is 2 minutes; the library enforces it. This is the server's
#: safety net for a run that never returns.
REQUEST_TIMEOUT = 150.0

Runner = Callable[..., dict[str, Any]]


@dataclass
class RevalOptions:
    """What ``chartguard serve`` configures for the helm-reval routes."""

    settings: Any = None  # chartguard.helmreval.ServerSettings (defaults when None)
    authorizer: Authorizer | None = None
    allow_local_charts: bool = False
    concurrency: int = 4
    request_timeout: float = REQUEST_TIMEOUT
    validate: Runner | None = None  # the library's functions unless a test swaps them
    render: Runner | None = None
    executor: concurrent.futures.ThreadPoolExecutor | None = field(default=None, repr=False)


def add_reval_routes(app: App, options: RevalOptions) -> None:
    """Register ``/v1/validate``, ``/v1/render``, ``/info`` and ``/healthz`` on ``app``."""

    settings = options.settings if options.settings is not None else ServerSettings()
    executor = options.executor or concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, options.concurrency), thread_name_prefix="chartguard-reval"
    )
    app.on_shutdown.append(lambda: executor.shutdown(wait=False, cancel_futures=True))
    keywords = _library_keywords(settings)
    pool = RenderPoolState(options.concurrency)

    def endpoint(name: str) -> Callable[[Request], Any]:
        render = name == "render"

        async def handle(request: Request) -> Response:
            try:
                document = decode_request(request.body)
            except GoJSONError as exc:
                return api_error(400, "Error parsing JSON", str(exc))
            if not options.allow_local_charts:
                refused = _refuse_local_chart(document, render)
                if refused is not None:
                    return json_response(200, refused)
            if pool.saturated:
                log.warning("reval.%s refused: %d requests are being rendered or waiting", name, pool.in_flight)
                return json_response(503, {"error": "busy: every render worker is in use, retry later"})
            runner = _runner(options, name)
            loop = asyncio.get_running_loop()
            pool.in_flight += 1
            try:
                future = loop.run_in_executor(executor, lambda: runner(document, **keywords))
                result = await asyncio.wait_for(future, options.request_timeout)
            except Exception as exc:  # noqa: BLE001 - mapped to helm-reval's statuses below
                return _error_response(exc, name)
            finally:
                pool.in_flight -= 1
            if not isinstance(result, dict):
                log.error("reval.%s returned %s, not a dict", name, type(result).__name__)
                return internal_error()
            return json_response(200, _ordered(result))

        return handle

    app.route("/v1/validate", ["POST"], endpoint("validate"), authorizer=options.authorizer)
    app.route("/v1/render", ["POST"], endpoint("render"), authorizer=options.authorizer)
    app.route("/info", ["GET"], _info)
    app.ensure_route("/healthz", ["GET"], healthz)

    async def ready(request: Request) -> Response:
        """``GET /v1/readyz``: 503 while every render worker is busy and the queue is full."""
        return json_response(503 if pool.saturated else 200, {"ready": not pool.saturated, "inFlight": pool.in_flight})

    app.route("/v1/readyz", ["GET"], ready)


@dataclass
class RenderPoolState:
    """How many helm-reval requests are running or queued: ``concurrency`` render at a time (each
    in its own engine worker, chartguard.render.worker) and as many more may wait; beyond that a
    request is refused at once (503) instead of hanging."""

    concurrency: int
    in_flight: int = 0

    @property
    def saturated(self) -> bool:
        return self.in_flight >= 2 * max(1, self.concurrency)


def _runner(options: RevalOptions, name: str) -> Runner:
    chosen = options.validate if name == "validate" else options.render
    if chosen is not None:
        return chosen

    return reval.validate if name == "validate" else reval.render


def _library_keywords(settings: Any) -> dict[str, Any]:
    """The server settings as the library's keyword options (``ServerSettings``'s field names)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def _error_response(exc: BaseException, name: str) -> Response:

    if isinstance(exc, RequestError):
        return api_error(400, "Error parsing JSON", "\n".join(exc.messages))
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        log.error("reval.%s did not finish within the server's timeout", name)
    else:
        log.error("reval.%s failed", name, exc_info=exc)
    return internal_error()


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    """helm-reval's field order: valid, validationErrors, validationPolicies, output (then anything else)."""
    order = ("valid", "validationErrors", "validationPolicies", "output")
    ordered = {key: result[key] for key in order if key in result}
    ordered.update((key, value) for key, value in result.items() if key not in ordered)
    return ordered


def _refuse_local_chart(document: dict[str, Any], render: bool) -> dict[str, Any] | None:
    """helm-reval's answer when ``helmChart`` is not an https/oci URL (a path, ``file://``); None to go on.

    The library fetches what starts with ``https://`` or ``oci://`` and reads anything else from
    disk, so everything else is refused here with helm-reval's URL errors, except a URL Go accepts
    with an upper-case scheme (``HTTPS://…``), whose scheme is lower-cased as Go's parser does.
    Go matches JSON names case-insensitively, so every spelling of ``helmChart`` is checked.
    """

    spellings = [key for key in document if isinstance(key, str) and key.lower() == "helmchart"]
    position = {key: index for index, key in enumerate(spellings)}
    spellings.sort(key=lambda key: (key != "helmChart", -position[key]))  # the one the library reads first
    for key in spellings:
        value = document[key]
        if not isinstance(value, str) or not value or value.startswith(("https://", "oci://")):
            continue  # fetched with helm-reval's rules, or the library answers (required / type errors)
        errors = validate_chart_url(value)
        if not errors:
            scheme, _, rest = value.partition(":")
            document[key] = f"{scheme.lower()}:{rest}"
            continue
        result: dict[str, Any] = {"valid": False, "validationErrors": errors}
        if render:
            result["output"] = []
        return result
    return None


async def _info(request: Request) -> Response:
    body = json.dumps({"service": "chartguard", "version": __version__, "commit": "unknown"}, separators=(",", ":"))
    return Response(200, body.encode(), "application/json")


# --------------------------------------------------------------------------------------------------
# Request JSON, decoded as Go's json.Decoder does (its error messages are in the 400 body)


class GoJSONError(ValueError):
    """Malformed request JSON; the message is Go's ``encoding/json`` wording."""


class _Constant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _Constant(name)  # NaN, Infinity, -Infinity: not JSON for Go


def decode_request(body: bytes) -> dict[str, Any]:
    """The request object; ``null`` is an empty request; anything but an object is Go's unmarshal error."""
    text = body.decode("utf-8", "replace")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if start == len(text):
        raise GoJSONError("EOF")
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    try:
        value, _end = decoder.raw_decode(text, start)  # like Go's stream decoder: trailing data is not read
    except json.JSONDecodeError as exc:
        raise GoJSONError(_go_syntax_error(text, exc.msg, exc.pos)) from None
    except _Constant as exc:
        position = _first_outside_strings(text, exc.name)
        if exc.name.startswith("-"):
            raise GoJSONError(f"invalid character {_quote_char(text[position + 1])} in numeric literal") from None
        raise GoJSONError(f"invalid character {_quote_char(text[position])} looking for beginning of value") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}[type(value)]
        raise GoJSONError(f"json: cannot unmarshal {kind} into Go value of type service.RevalRequest")
    return value


def _outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """``(index, character)`` for every character of JSON ``text`` that is not inside a string."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        else:
            yield index, char


def _first_outside_strings(text: str, word: str) -> int:
    """The first position of ``word`` that is not inside a JSON string."""
    return next((index for index, _ in _outside_strings(text) if text.startswith(word, index)), 0)


def _quote_char(char: str) -> str:
    """Go's ``quoteChar`` (byte-wise: a non-ASCII character shows as its first UTF-8 byte)."""

    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    if ord(char) >= 0x80:
        char = chr(char.encode("utf-8", "replace")[0])
    return "'" + go_quote(char)[1:-1] + "'"


def _innermost_container(text: str, position: int) -> str:
    """``{`` or ``[`` (or "") enclosing ``position``, ignoring brackets inside strings."""
    stack: list[str] = []
    for _, char in _outside_strings(text[:position]):
        if char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _go_syntax_error(text: str, message: str, position: int) -> str:
    if position >= len(text) or message.startswith("Unterminated string"):
        return "unexpected EOF"
    char = text[position]
    quoted = _quote_char(char)
    if message.startswith("Invalid control character"):
        return f"invalid character {quoted} in string literal"
    if message.startswith("Invalid \\uXXXX"):
        digits = text[position:].partition("u")[2][:4]
        bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), None)
        if bad is None:
            return "unexpected EOF"
        return f"invalid character {_quote_char(bad)} in \\u hexadecimal character escape"
    if message.startswith("Invalid \\escape"):
        return (
            f"invalid character {_quote_char(text[position + 1]) if position + 1 < len(text) else quoted} in string escape code"
        )
    if message.startswith("Expecting property name"):
        return f"invalid character {quoted} looking for beginning of object key string"
    if message.startswith("Expecting ':'"):
        return f"invalid character {quoted} after object key"
    if message.startswith("Expecting ','"):
        inside = _innermost_container(text, position)
        return f"invalid character {quoted} after {'object key:value pair' if inside == '{' else 'array element'}"
    for literal in ("true", "false", "null"):
        if char == literal[0]:
            for offset, expected in enumerate(literal):
                if position + offset >= len(text):
                    return "unexpected EOF"
                if text[position + offset] != expected:
                    got = _quote_char(text[position + offset])
                    return f"invalid character {got} in literal {literal} (expecting {_quote_char(expected)})"
    if char == "-":
        if position + 1 >= len(text):
            return "unexpected EOF"
        return f"invalid character {_quote_char(text[position + 1])} in numeric literal"
    return f"invalid character {quoted} looking for beginning of value"
