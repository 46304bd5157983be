"""Best-effort mapping of a line of a rendered document back to its template source line.

Static template lines survive rendering unchanged, so they anchor an alignment (difflib) of the
rendered document against the template source. A rendered line inside an anchor maps exactly; a
line between anchors maps to the template line between them with the same YAML key, then to the
first template action (``{{ ... }}``) there, then to the anchor before it.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

_KEY = re.compile(r"^\s*(?:-\s+)?([^\s:#{][^:#]*?)\s*:(?:\s|$)")


def template_line(document: str, line: int, source: str) -> int:
    """Map 1-based ``line`` of rendered ``document`` to a 1-based line of template ``source``."""
    mapped: int = _mapper(document, source)(line)
    return mapped


@lru_cache(maxsize=256)
def _mapper(document: str, source: str):  # type: ignore[no-untyped-def]
    rendered = [text.strip() for text in document.splitlines()]
    template = [text.strip() for text in source.splitlines()]
    blocks = [b for b in difflib.SequenceMatcher(None, rendered, template, autojunk=False).get_matching_blocks() if b.size]

    def lookup(line: int) -> int:
        index = line - 1
        before_src = -1
        after_src = len(template)
        for block in blocks:
            if block.a <= index < block.a + block.size:
                return block.b + (index - block.a) + 1
            if block.a + block.size <= index:
                before_src = block.b + block.size - 1
            elif block.a > index:
                after_src = block.b
                break
        gap = range(before_src + 1, after_src)
        key = _key(rendered[index]) if 0 <= index < len(rendered) else None
        if key:
            for candidate in gap:
                if _key(template[candidate]) == key:
                    return candidate + 1
        for candidate in gap:
            if "{{" in template[candidate]:
                return candidate + 1
        return before_src + 1 if before_src >= 0 else 1

    return lookup


def _key(text: str) -> str | None:
    match = _KEY.match(text)
    return match.group(1) if match else None
