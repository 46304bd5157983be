"""Read what a user names (values files, payloads, profiles, manifests, stdin) within a byte limit.

The size a file reports is never trusted (``/dev/zero`` reports 0 bytes, a FIFO nothing): at most
``limit + 1`` bytes are read, whatever the file is, and more than ``limit`` is an error. Special
files are allowed where the user names them (``-f <(cmd)`` is a FIFO); inside a chart they are
refused by ``chart_tree``.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from .errors import InputError, UsageError


class TooLarge(Exception):
    """More than the limit was offered; ``limit`` says how much was allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``; TooLarge when it holds more."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise TooLarge(limit)
    return b"".join(chunks)


def read_file(path: str, limit: int, what: str) -> bytes:
    """The bytes of the file at ``path`` (``what`` names it in errors: ``-f/--values file``);
    UsageError with a one-line reason when it is missing, a directory, unreadable or too large."""
    try:
        with open(path, "rb") as handle:
            return read_stream(handle, limit)
    except TooLarge:
        raise UsageError(f"{path}: {what} is larger than {limit:,} bytes") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: {what} expected, got a directory") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None


def read_input(path: str, limit: int, what: str) -> bytes:
    """``read_file`` for the input being judged (a chart archive, a manifest file): InputError."""
    try:
        with open(path, "rb") as handle:
            return read_stream(handle, limit)
    except TooLarge:
        raise InputError(f"{path}: {what} is larger than {limit:,} bytes") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_text(path: str, limit: int, what: str) -> str:
    """``read_file`` decoded as UTF-8 (UsageError when it is not)."""
    try:
        return read_file(path, limit, what).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: {what} is not UTF-8 text") from None


def read_stdin(limit: int, what: str, advice: str = "") -> bytes:
    """Standard input, at most ``limit`` bytes: UsageError when it is a terminal (``advice`` says
    what to pipe into it), TooLarge when it holds more."""
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError(f"'-' reads {what} from stdin, but stdin is a terminal" + (f" ({advice})" if advice else ""))
    return read_stream(sys.stdin.buffer, limit)
