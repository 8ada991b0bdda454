"""Country groupings (EU, G7, G20, OECD, NATO, CPTPP, RCEP, ...) with validity dates and sources.

The groupings are data, not code: ``econsec/data/groups/groups.csv`` describes each group and
``econsec/data/groups/memberships.csv`` lists its members (ISO3, Taiwan as ``TWN``) with
inclusive ``start``/``end`` dates and the source of each row. Users add their own groups in a
TOML file::

    [groups.SEMI_ALLIES]
    members = ["JPN", "KOR", "TWN", "NLD"]
    description = "Chip-equipment suppliers"

found through the ``extra`` argument or at ``$ECONSEC_HOME/groups.toml``. User groups have no
dates (their members are members on every date). Group names are case-insensitive: a user group
whose name differs from another user group's only in case, or that matches a built-in group's
name or alias in any case, is an error naming the file and both names (a user group never
silently overrides or merges with another). The file is read with the limits of
:func:`econsec.tomlsafe.load_toml` (1 MB, nesting 32 deep).

Dates. ``members(name, on)`` returns the members on the day ``on``. An integer year means the
members on **1 July** of that year, i.e. the countries that were members for most of the year:
trade aggregates for a year then follow the composition that held for the bulk of its flows
(Croatia counts in the EU from 2013, whose second half it spent inside; the United Kingdom,
which left on 31 January 2020, is outside the EU from 2020, as in Eurostat's EU27_2020
series). Countries that were members for only part of a year are not counted for that year
unless they were members on 1 July.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import polars as pl
from rapidfuzz import process

from econsec.errors import DataError, NotFoundError
from econsec.reference._io import as_path, data_path, parse_date, read_shipped
from econsec.settings import get_settings
from econsec.tomlsafe import load_toml

#: Month and day that stand for a whole year when ``on`` is an int (see the module docstring).
YEAR_REFERENCE_DAY = (7, 1)

USER_FILE = "groups.toml"
_USER_KEYS = {"members", "description", "name", "source", "url"}
_GROUP_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Group:
    """A country grouping and its membership spells."""

    group: str
    name: str
    description: str
    source: str
    url: str
    as_of: str
    aliases: tuple[str, ...]
    spells: pl.DataFrame  # iso3, start, end, source, note
    origin: str  # "econsec" or the user file's path


# ---------------------------------------------------------------------------------------------
# Loading


@cache
def iso3_codes() -> frozenset[str]:
    """Return the current ISO 3166-1 alpha-3 codes (from the shipped ``iso3166.csv``)."""
    rows = read_shipped("groups", "iso3166.csv", required=("iso3",))
    return frozenset(r["iso3"] for r in rows)


@cache
def _builtin() -> dict[str, Group]:
    path_g = data_path("groups", "groups.csv")
    path_m = data_path("groups", "memberships.csv")
    rows_g = read_shipped(
        "groups",
        "groups.csv",
        required=("group", "name", "aliases", "description", "source", "url", "as_of"),
    )
    rows_m = read_shipped(
        "groups", "memberships.csv", required=("group", "iso3", "start", "end", "source", "note")
    )
    known = iso3_codes()
    spells: dict[str, list[dict[str, object]]] = {r["group"]: [] for r in rows_g}
    for r in rows_m:
        if r["group"] not in spells:
            raise DataError(
                f"group {r['group']!r} is not in groups.csv",
                path=path_m,
                line=r.line,
                field="group",
            )
        if r["iso3"] not in known:
            raise DataError(
                f"unknown ISO3 code {r['iso3']!r}", path=path_m, line=r.line, field="iso3"
            )
        start = parse_date(r["start"], path=path_m, line=r.line, field="start")
        end = parse_date(r["end"], path=path_m, line=r.line, field="end")
        if start and end and end < start:
            raise DataError("end before start", path=path_m, line=r.line, field="end")
        spells[r["group"]].append(
            {
                "iso3": r["iso3"],
                "start": start,
                "end": end,
                "source": r["source"],
                "note": r["note"],
            }
        )
    out: dict[str, Group] = {}
    for r in rows_g:
        out[r["group"]] = Group(
            group=r["group"],
            name=r["name"],
            description=r["description"],
            source=r["source"],
            url=r["url"],
            as_of=r["as_of"],
            aliases=tuple(a.strip() for a in r["aliases"].split("|") if a.strip()),
            spells=_spell_frame(spells[r["group"]]),
            origin="econsec",
        )
        if not spells[r["group"]]:
            raise DataError(f"group {r['group']!r} has no members", path=path_g, line=r.line)
    return out


def _spell_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {"iso3": pl.Utf8, "start": pl.Date, "end": pl.Date, "source": pl.Utf8, "note": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row").sort("iso3", "start", nulls_last=False)


def user_file(extra: Path | str | None = None, home: Path | str | None = None) -> Path | None:
    """Locate the user groups file: ``extra`` if given (it must exist), else ``<home>/groups.toml``.

    ``home`` defaults to ``ECONSEC_HOME``.
    """
    if extra is not None:
        p = as_path(extra)
        if not p.is_file():
            raise FileNotFoundError(f"groups file not found: {p}")
        return p
    p = get_settings(home).home / USER_FILE
    return p if p.is_file() else None


def _line_of(text: str, needle: str, after: int = 0) -> int | None:
    for n, line in enumerate(text.splitlines(), start=1):
        if n >= after and needle in line:
            return n
    return None


def load_user_groups(path: Path | str) -> dict[str, Group]:
    """Parse a user groups TOML file (see the module docstring for its format).

    Raises
    ------
    DataError
        Naming the file, line and key for invalid TOML, a missing or malformed ``members``
        list, an unknown key or an unknown ISO3 code.
    """
    p = as_path(path)
    doc = load_toml(p, what="groups file")
    text = p.read_text(encoding="utf-8")  # for line numbers; load_toml vetted it
    groups = doc.get("groups")
    if not isinstance(groups, dict) or not groups:
        raise DataError("expected one or more [groups.NAME] tables", path=p, field="groups")
    known = iso3_codes()
    out: dict[str, Group] = {}
    spelled: dict[str, str] = {}  # upper-case name -> the spelling first met
    for gname, spec in groups.items():
        key = f"groups.{gname}"
        head = _line_of(text, f"groups.{gname}") or _line_of(text, gname)
        if not _GROUP_NAME_RE.match(gname):
            raise DataError(
                "group names are letters, digits, '_' or '-', starting with a letter",
                path=p,
                line=head,
                field=key,
            )
        if gname.upper() in spelled:
            raise DataError(
                f"groups {spelled[gname.upper()]!r} and {gname!r} differ only in case; group "
                "names are case-insensitive, so rename or merge one",
                path=p,
                line=head,
                field=key,
            )
        spelled[gname.upper()] = gname
        if not isinstance(spec, dict):
            raise DataError("expected a table", path=p, line=head, field=key)
        unknown = sorted(set(spec) - _USER_KEYS)
        if unknown:
            raise DataError(
                f"unknown keys {unknown}; allowed: {sorted(_USER_KEYS)}",
                path=p,
                line=head,
                field=key,
            )
        mem = spec.get("members")
        if not isinstance(mem, list) or not mem or not all(isinstance(x, str) for x in mem):
            raise DataError(
                "'members' must be a non-empty list of ISO3 strings",
                path=p,
                line=head,
                field=f"{key}.members",
            )
        codes = []
        for x in mem:
            c = x.strip().upper()
            if c not in known:
                sugg = [h[0] for h in process.extract(c, sorted(known), limit=3, score_cutoff=60)]
                hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
                raise DataError(
                    f"unknown ISO3 code {x!r}{hint}",
                    path=p,
                    line=_line_of(text, f'"{x}"', head or 0),
                    field=f"{key}.members",
                )
            codes.append(c)
        rows: list[dict[str, object]] = [
            {"iso3": c, "start": None, "end": None, "source": str(p), "note": "user-defined"}
            for c in dict.fromkeys(codes)
        ]
        out[gname.upper()] = Group(
            group=gname.upper(),
            name=str(spec.get("name", gname)),
            description=str(spec.get("description", "")),
            source=str(spec.get("source", p)),
            url=str(spec.get("url", "")),
            as_of="",
            aliases=(gname,) if gname != gname.upper() else (),
            spells=_spell_frame(rows),
            origin=str(p),
        )
    return out


def all_groups(extra: Path | str | None = None, home: Path | str | None = None) -> dict[str, Group]:
    """Built-in groups plus the user's (``extra`` or ``$ECONSEC_HOME/groups.toml``).

    Raises
    ------
    DataError
        When a user group reuses a built-in group's name or alias, or two user groups differ
        only in case (names are case-insensitive; a user group never overrides a built-in one).
    """
    groups = dict(_builtin())
    path = user_file(extra, home)
    if path is None:
        return groups
    taken = _lookup_table(groups)
    for k, g in load_user_groups(path).items():
        if k in taken:
            mine = g.aliases[0] if g.aliases else k
            raise DataError(
                f"group {mine!r} clashes with the built-in group {taken[k]!r} (names and "
                "aliases are case-insensitive); choose another name",
                path=path,
                field=f"groups.{mine}",
            )
        groups[k] = g
    return groups


def _lookup_table(groups: dict[str, Group]) -> dict[str, str]:
    table: dict[str, str] = {}
    for k, g in groups.items():
        table[k.upper()] = k
        for a in g.aliases:
            table[a.upper()] = k
    return table


# ---------------------------------------------------------------------------------------------
# Public API


def reference_date(on: date | datetime | int | str | None = None) -> date:
    """Return the day a membership query refers to.

    ``None`` is today; an ``int`` year is 1 July of that year (see the module docstring);
    a ``str`` is an ISO date or a year.
    """
    if on is None:
        return date.today()
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, date):
        return on
    if isinstance(on, str):
        s = on.strip()
        if s.isdigit():
            on = int(s)
        else:
            try:
                return date.fromisoformat(s)
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD or a year, got {on!r}") from None
    if isinstance(on, int) and not isinstance(on, bool):
        return date(on, *YEAR_REFERENCE_DAY)
    raise TypeError(f"expected a date, a year or None, got {type(on).__name__}")


def get_group(
    name: str, *, extra: Path | str | None = None, home: Path | str | None = None
) -> Group:
    """Return the group called ``name`` (case-insensitive; aliases accepted).

    Raises
    ------
    NotFoundError
        With the closest group names when ``name`` is unknown.
    """
    groups = all_groups(extra, home)
    table = _lookup_table(groups)
    key = name.strip().upper()
    if key in table:
        return groups[table[key]]
    hits = process.extract(key, list(table), limit=4, score_cutoff=50)
    sugg = list(dict.fromkeys(table[h[0]] for h in hits))
    raise NotFoundError("group", name, sugg, hint="'econsec groups list' shows every group")


def is_group(name: str, *, extra: Path | str | None = None, home: Path | str | None = None) -> bool:
    """Whether ``name`` is a known group (built-in or user-defined, aliases included)."""
    return name.strip().upper() in _lookup_table(all_groups(extra, home))


def membership(
    name: str,
    on: date | datetime | int | str | None = None,
    *,
    all_dates: bool = False,
    extra: Path | str | None = None,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Membership rows ``iso3, start, end, source, note`` of a group.

    Parameters
    ----------
    name
        Group name or alias, case-insensitive.
    on
        Date, year (1 July) or None (today); ignored when ``all_dates``.
    all_dates
        Return every spell, past and present.
    extra
        A user groups TOML file.
    home
        Warehouse folder holding ``groups.toml``; ``ECONSEC_HOME`` when omitted.
    """
    g = get_group(name, extra=extra, home=home)
    if all_dates:
        return g.spells
    return _on(g.spells, reference_date(on))


def _on(spells: pl.DataFrame, d: date) -> pl.DataFrame:
    return spells.filter(
        (pl.col("start").is_null() | (pl.col("start") <= d))
        & (pl.col("end").is_null() | (pl.col("end") >= d))
    )


def members(
    name: str,
    on: date | datetime | int | str | None = None,
    *,
    extra: Path | str | None = None,
    home: Path | str | None = None,
) -> list[str]:
    """ISO3 codes of the members of group ``name`` on a day, sorted.

    Parameters
    ----------
    name
        Group name or alias, case-insensitive (``EU``, ``eu27``, ``G7``, ``rcep``, ...).
    on
        A date; an ``int`` year means 1 July of that year (members for most of the year);
        None means today. Start and end dates are inclusive.
    extra
        A user groups TOML file; ``<home>/groups.toml`` is read when omitted.
    home
        Warehouse folder holding ``groups.toml``; ``ECONSEC_HOME`` when omitted.

    Raises
    ------
    NotFoundError
        When the group is unknown (with close matches).
    """
    return sorted(set(membership(name, on, extra=extra, home=home)["iso3"].to_list()))


def list_groups(*, extra: Path | str | None = None, home: Path | str | None = None) -> pl.DataFrame:
    """Every group: ``group, name, n_members`` (today), ``source, as_of``."""
    today = date.today()
    rows = []
    groups = all_groups(extra, home)
    for g in groups.values():
        n = len(set(_on(g.spells, today)["iso3"].to_list()))
        rows.append(
            {"group": g.group, "name": g.name, "n_members": n, "source": g.source, "as_of": g.as_of}
        )
    return pl.DataFrame(
        rows,
        schema={
            "group": pl.Utf8,
            "name": pl.Utf8,
            "n_members": pl.Int64,
            "source": pl.Utf8,
            "as_of": pl.Utf8,
        },
    )
