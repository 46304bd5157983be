"""Text from untrusted input made safe to print: control characters escaped, lines bounded.

Object names, archive member names, template output and Helm's messages all reach terminals, CI
logs and XML reports. ``printable`` shows every character that could move the cursor, recolour or
erase a line, or reorder what is displayed as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``);
``one_line`` also folds whitespace and bounds the length; ``xml_text`` keeps what XML 1.0 cannot
hold out of a JUnit report. The CLI's error printer, the text, GitHub and JUnit formatters, the
change lines of ``fix`` and the webhook's messages use them (docs/security.md).
"""

from __future__ import annotations

import re

__all__ = ["MAX_LINE_CHARS", "bounded", "clip", "flat", "one_line", "printable", "xml_text"]

#: The longest error line the CLI prints (a longer message is cut, saying how much was left out).
MAX_LINE_CHARS = 2000

#: DEL, C1 controls, the line and paragraph separators, the bidirectional marks and overrides and
#: lone surrogates (which no UTF-8 terminal can be sent).
_OTHER = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(rf"[\x00-\x1f{_OTHER}]")
_UNPRINTABLE_KEEPING_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_OTHER}]")
#: What XML 1.0 forbids (its Char production): controls other than tab/LF/CR, surrogates, U+FFFE/F.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_WHITESPACE = re.compile(r"\s+")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with each control character shown as an escape; ``keep_lines`` keeps newlines
    and tabs (multi-line text such as NOTES.txt)."""
    if text.isprintable():  # what is escaped is never printable: the usual case, at C speed
        return text
    pattern = _UNPRINTABLE_KEEPING_LINES if keep_lines else _UNPRINTABLE
    return pattern.sub(_escape, text)


def bounded(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending ``… (N more characters)`` when cut."""
    if len(text) <= limit:
        return text
    keep = max(limit - len(f"… ({len(text):,} more characters)"), 0)
    return f"{text[:keep]}… ({len(text) - keep:,} more characters)"


def clip(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters, an ellipsis marking a cut (a value quoted in a message)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def flat(text: str) -> str:
    """``text`` as one printable line: runs of whitespace (newlines included) become one space,
    other control characters escapes."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text
    return printable(_WHITESPACE.sub(" ", text).strip())


def one_line(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """``flat(text)``, at most ``limit`` characters (``bounded``)."""
    return bounded(flat(text), limit)


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot represent shown as escapes."""
    return _NOT_XML.sub(_escape, text)
