"""Read user TOML files with limits: size, nesting depth, and one-line errors naming the file.

``tomllib`` parses nested arrays and inline tables recursively, so a file nested a few thousand
levels deep ends in ``RecursionError``; a huge file is read whole. Every user-supplied TOML file
(groups, baskets, scenario and screen specs) goes through :func:`load_toml` instead.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from econsec.errors import DataError

#: Largest TOML file read (bytes); user files are a few kilobytes.
MAX_BYTES = 1 << 20
#: Deepest nesting of arrays, inline tables and tables accepted.
MAX_DEPTH = 32


def load_toml(path_or_text: Path | str, *, what: str) -> dict[str, Any]:
    """Parse a TOML file (a ``Path``) or TOML text (a ``str``) within size and depth limits.

    Parameters
    ----------
    path_or_text
        A file to read, or the text itself.
    what
        What the document is, for error messages (``"groups file"``); text is named by it.

    Raises
    ------
    DataError
        Naming the file (and the line where known) for a missing, unreadable, oversized,
        too deeply nested or invalid document.
    """
    if isinstance(path_or_text, Path):
        name: object = path_or_text
        text = _read(path_or_text, what)
    else:
        name, text = what, path_or_text
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise DataError(f"{what} is larger than {MAX_BYTES >> 20} MB", path=name)
    depth, line = _max_depth(text)
    if depth > MAX_DEPTH:
        raise DataError(f"{what} nests deeper than {MAX_DEPTH} levels", path=name, line=line)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DataError(f"invalid TOML: {e}", path=name, line=_error_line(e, text)) from None
    except RecursionError:  # a nesting the scan above missed; never a traceback
        raise DataError(f"{what} nests too deeply", path=name) from None
    if _doc_depth(doc) > MAX_DEPTH:  # dotted keys nest without brackets
        raise DataError(f"{what} nests deeper than {MAX_DEPTH} levels", path=name)
    return doc


def _read(path: Path, what: str) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DataError(f"{what} is larger than {MAX_BYTES >> 20} MB", path=path)
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError(f"{what} not found", path=path) from None
    except UnicodeDecodeError as e:
        raise DataError(f"{what} is not UTF-8 text ({e.reason})", path=path) from None
    except OSError as e:
        raise DataError(f"cannot read {what}: {e.strerror}", path=path) from None


def _error_line(e: tomllib.TOMLDecodeError, text: str) -> int | None:
    # tomllib gives the position only in its message before Python 3.14.
    m = re.search(r"line (\d+)", str(e))
    if m:
        return int(m.group(1))
    return max(len(text.splitlines()), 1) if "end of document" in str(e) else None


def _max_depth(text: str) -> tuple[int, int]:
    """Deepest bracket nesting outside strings and comments, and the line where it is reached."""
    depth = deepest = 0
    line = at = 1
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "\"'":
            j = _string_end(text, i)
            line += text.count("\n", i, j)
            i = j
            continue
        elif c in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return deepest, at


def _string_end(text: str, i: int) -> int:
    """Index just past the string starting at ``text[i]`` (a quote), or the end of the text."""
    q = text[i]
    delim = q * 3 if text.startswith(q * 3, i) else q
    j = i + len(delim)
    while j < len(text):
        if q == '"' and text[j] == "\\":
            j += 2
            continue
        if text.startswith(delim, j):
            return j + len(delim)
        if len(delim) == 1 and text[j] == "\n":  # unterminated: let the parser report it
            return j
        j += 1
    return len(text)


def _doc_depth(doc: Any) -> int:
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        obj, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(obj, dict):
            stack.extend((v, d + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, d + 1) for v in obj)
    return deepest
