"""Helm's ``.helmignore`` rules, as its directory loader applies them (pkg/ignore), written here
for exactness: Go's ``filepath.Match`` differs from Python's ``fnmatch`` (``*`` never crosses ``/``).

One rule per line; blank lines and ``#`` comments skipped; ``**`` is refused as Helm refuses it.
A rule ending in ``/`` matches directories only; ``!`` negates; a rule starting with ``/`` or
containing ``/`` matches the whole path relative to the chart, any other rule the base name.
Rules are tried in order and the first that decides wins; ``templates/.?*`` is always added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputError

DEFAULT_RULES = ("templates/.?*",)


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    negate: bool
    directories_only: bool
    whole_path: bool


def _translate(glob: str) -> str:
    """Go's ``filepath.Match`` syntax as a regular expression (``*``, ``?``, ``[...]``, ``\\``)."""
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(glob):
            i += 1
            out.append(re.escape(glob[i]))
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("^", "]") else i + 1)
            if end == -1:
                raise ValueError("syntax error in pattern")
            body = glob[i + 1 : end]
            negated = body.startswith("^")
            body = body[1:] if negated else body
            out.append(f"[{'^' if negated else ''}{body.replace(chr(92), chr(92) * 2)}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


class HelmIgnore:
    """The rules of a chart's ``.helmignore`` (plus Helm's default)."""

    def __init__(self, text: str = "", where: str = ".helmignore") -> None:
        self._rules: list[_Rule] = []
        for line in [*text.splitlines(), *DEFAULT_RULES]:
            rule = line.strip()
            if not rule or rule.startswith("#"):
                continue
            if "**" in rule:
                raise InputError(f"{where}: double-star (**) syntax is not supported ({rule!r})")
            negate = rule.startswith("!")
            rule = rule[1:] if negate else rule
            directories_only = rule.endswith("/")
            rule = rule.rstrip("/") if directories_only else rule
            whole_path = "/" in rule
            try:
                pattern = re.compile(_translate(rule.lstrip("/")) + r"\Z")
            except (ValueError, re.error):
                raise InputError(f"{where}: invalid pattern {line.strip()!r}") from None
            self._rules.append(_Rule(pattern, negate, directories_only, whole_path))

    def ignores(self, path: str, is_dir: bool) -> bool:
        """Whether Helm leaves out ``path`` (slash-separated, relative to the chart)."""
        if path in ("", ".", "./"):
            return False
        for rule in self._rules:
            name = path if rule.whole_path else path.rsplit("/", 1)[-1]
            if rule.negate:
                if (rule.directories_only and not is_dir) or not rule.pattern.match(name):
                    return True
                continue
            if rule.directories_only and not is_dir:
                continue
            if rule.pattern.match(name):
                return True
        return False
