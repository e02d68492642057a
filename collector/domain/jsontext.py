"""JSON text as this API reads it: at most :data:`MAX_DEPTH` levels of arrays and objects, and only
numbers JSON has (no ``NaN``, no ``Infinity``, nothing that overflows to it: PostgreSQL's jsonb
cannot hold them). Every fault is a :class:`json.JSONDecodeError`, never a ``RecursionError``."""

from __future__ import annotations

import json
import re
from itertools import accumulate

#: Deeper than any body this API takes (a survey's targeting is 4 levels), far below the stack.
MAX_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw`` (brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return 0
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    return max(accumulate(1 if c in b"[{" else -1 for c in brackets), default=0)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large a number")
    return number


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def loads(text: str | bytes):
    """The value of ``text``; :class:`json.JSONDecodeError` for anything this API refuses."""
    raw = text.encode() if isinstance(text, str) else text
    if depth(raw) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", "", 0)
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as e:
        raise json.JSONDecodeError(str(e) or "nested too deeply", "", 0) from None


def raw_decode(text: str, pos: int = 0):
    """``json.JSONDecoder.raw_decode`` with this module's rules (for items of a streamed array)."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as e:
        raise json.JSONDecodeError(str(e) or "nested too deeply", text, pos) from None
    if depth(text[pos:end].encode()) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", text, pos)
    return value, end
