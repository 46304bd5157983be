"""Kubernetes ``resource.Quantity``: parse as ``ParseQuantity`` does, print its canonical form.

``canonical("1000")`` is ``"1k"``, ``canonical("0.5")`` ``"500m"``, ``canonical("1024Mi")`` ``"1Gi"``;
``parse`` raises ``ValueError`` for what Kubernetes refuses (``"1GB"``), which makes a typed
object fall back to unstructured in helm-reval. Unlike Kubernetes, it also refuses decimal exponents
beyond ±``MAX_EXPONENT`` (``1e10000000``), whose exact value takes minutes to compute.
"""

from __future__ import annotations

from fractions import Fraction

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_SUFFIX = {exponent: suffix for suffix, exponent in _BINARY.items()}
_MAX_INT64 = 2**63 - 1
#: Larger decimal exponents (``1e2147483647``) are refused: the exact value would take minutes.
MAX_EXPONENT = 1000
_SUFFIX_CHARS = "eEinumkKMGTP"
_NANO = Fraction(1, 10**9)


def _split(text: str) -> tuple[bool, str, str, str]:
    """``parseQuantityString``: sign, numerator digits, denominator digits, suffix."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end:
        raise ValueError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    return positive, num, denom, text[suffix_start:]


def parse(text: str) -> tuple[Fraction, str]:
    """Value and format (``BinarySI``, ``DecimalSI``, ``DecimalExponent``) of a quantity string."""
    if not text:
        raise ValueError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    positive, num, denom, suffix = _split(text)
    if suffix in _BINARY:
        base, exponent, fmt = 2, _BINARY[suffix], "BinarySI"
    elif suffix in _DECIMAL:
        base, exponent, fmt = 10, _DECIMAL[suffix], "DecimalSI"
    elif len(suffix) > 1 and suffix[0] in "eE" and _is_int(suffix[1:]):
        base, exponent, fmt = 10, int(suffix[1:]), "DecimalExponent"
        if not -(2**31) <= exponent < 2**31:
            raise ValueError("unable to parse quantity's suffix")
        if abs(exponent) > MAX_EXPONENT:
            raise ValueError(f"quantity's exponent is beyond ±{MAX_EXPONENT} (not computed)")
    else:
        raise ValueError("unable to parse quantity's suffix")
    value = Fraction(int(num + denom), 10 ** len(denom)) * Fraction(base) ** exponent
    if value and value.denominator > 10**9 and (value / _NANO).denominator != 1:
        value = _round_up(value)
    if fmt == "BinarySI" and value > _MAX_INT64:
        value = Fraction(_MAX_INT64)
    if fmt == "BinarySI" and 0 < value < 1:
        fmt = "DecimalSI"
    return (value if positive else -value), fmt


def _is_int(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return body.isdigit() and body.isascii()


def _round_up(value: Fraction) -> Fraction:
    """Round away from zero to a multiple of 10^-9 (``inf.RoundUp`` at nano scale)."""
    scaled = value / _NANO
    whole = -((-scaled.numerator) // scaled.denominator) if scaled > 0 else scaled.numerator // scaled.denominator
    return Fraction(whole) * _NANO


def canonical(text: str) -> str:
    """The string ``Quantity.MarshalJSON`` writes for ``text``; ValueError when unparsable."""
    value, fmt = parse(text.strip())
    return format_quantity(value, fmt)


def format_quantity(value: Fraction, fmt: str) -> str:
    """``Quantity.CanonicalizeBytes``."""
    if value == 0:
        return "0"
    if fmt == "BinarySI":
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = "DecimalSI"
        else:
            amount, exponent = int(value), 0
            while amount % 1024 == 0 and exponent < 6:
                amount //= 1024
                exponent += 1
            return f"{amount}{_BINARY_SUFFIX.get(exponent * 10, '')}"
    # decimal: mantissa * 10^exponent with an integer mantissa, exponent a multiple of 3
    exponent = 0
    while value.denominator != 1:
        value *= 10
        exponent -= 1
    amount = int(value)
    while amount % 10 == 0:
        amount //= 10
        exponent += 1
    shift = exponent % 3
    amount *= 10**shift
    exponent -= shift
    if fmt == "DecimalSI" and exponent in _DECIMAL_SUFFIX:
        return f"{amount}{_DECIMAL_SUFFIX[exponent]}"
    return f"{amount}e{exponent}" if exponent else str(amount)
