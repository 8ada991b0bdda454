"""The event library: dated coercion measures with their products, sources and outcomes.

One TOML file per event (``econsec/data/events/*.toml``, and the user's own in
``$ECONSEC_HOME/events/``); the format is described in ``econsec/data/events/README.md``.
Every file is validated on load: a mistake is one :class:`~econsec.errors.DataError` naming
the file and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from econsec.errors import DataError, NotFoundError
from econsec.tomlsafe import load_toml

#: Kinds of measure, and the scenario each is replayed as.
KINDS = ("ban", "licensing", "tariff", "coalition_control")
#: HS revisions an event may list codes for.
REVISIONS = ("HS02", "HS07", "HS12", "HS17", "HS22")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,80}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A citation: official notice, statistics or paper."""

    key: str = Field(..., min_length=1)
    citation: str = Field(..., min_length=10)
    url: str | None = None


def _hs6(v: Any) -> list[str]:
    if not isinstance(v, list):
        raise ValueError('expected a list of HS6 codes, e.g. ["811292"]')
    out = []
    for c in v:
        s = str(c).strip()
        if not (s.isdigit() and len(s) == 6):
            raise ValueError(f"HS codes must be 6 digits, got {c!r}")
        out.append(s)
    if len(set(out)) != len(out):
        raise ValueError("a code is listed twice")
    return out


class ProductCodes(_Strict):
    """HS6 codes per HS revision (as BACI uses them), or ``all`` goods (tariffs only)."""

    all: bool = False
    HS02: list[str] = Field(default_factory=list)
    HS07: list[str] = Field(default_factory=list)
    HS12: list[str] = Field(default_factory=list)
    HS17: list[str] = Field(default_factory=list)
    HS22: list[str] = Field(default_factory=list)

    _codes = field_validator(*REVISIONS, mode="before")(_hs6)

    @model_validator(mode="after")
    def _some(self) -> ProductCodes:
        listed = any(getattr(self, h) for h in REVISIONS)
        if self.all == listed:
            raise ValueError("give HS6 codes for at least one HS revision, or all = true")
        return self

    def codes(self, hs: str) -> list[str] | None:
        """Codes for revision ``hs`` (``None``: every good); [] when the revision has none."""
        return None if self.all else list(getattr(self, hs.upper(), []))

    def revisions(self) -> list[str]:
        """Revisions with codes listed."""
        return [h for h in REVISIONS if getattr(self, h)]

    def label(self) -> str:
        """Return the codes for display: ``HS17: 811292 811299; HS02: …`` or ``all goods``."""
        if self.all:
            return "all goods"
        return "; ".join(f"{h}: {' '.join(getattr(self, h))}" for h in self.revisions())


def _parties(v: Any) -> list[str]:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise ValueError('expected a list of countries, e.g. ["CHN"]')
    return [x.strip() for x in items]


class EventMeasure(_Strict):
    """One measure of an event: who, on whom, on what, and how."""

    kind: Literal["ban", "licensing", "tariff", "coalition_control"]
    imposer: list[str]
    target: list[str] | Literal["all"]
    products: ProductCodes
    sources: list[str] = Field(..., min_length=1)
    share: float | None = Field(default=None, gt=0.0, le=1.0)
    share_basis: str | None = None
    rate: float | None = Field(default=None, gt=0.0, le=100.0)
    date: dt.date | None = None
    products_note: str = ""
    national: dict[str, list[str]] = Field(
        default_factory=dict,
        description="National tariff lines per reporter (ISO3), read from national customs.",
    )

    _p = field_validator("imposer", mode="before")(_parties)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().lower() == "all":
            return "all"
        return _parties(v)

    @field_validator("national", mode="before")
    @classmethod
    def _lines(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            raise ValueError('expected a table of reporter = [lines], e.g. KOR = ["2811111000"]')
        for rep, lines in v.items():
            ok = isinstance(lines, list) and lines
            if not ok or not all(str(x).isdigit() and 6 <= len(str(x)) <= 12 for x in lines):
                raise ValueError(f"{rep}: national lines are lists of 6- to 12-digit codes")
        return {str(k).upper(): [str(x) for x in ls] for k, ls in v.items()}

    @model_validator(mode="after")
    def _fields_of_kind(self) -> EventMeasure:
        if self.kind == "tariff":
            if self.rate is None:
                raise ValueError("a tariff needs its rate (0.25 = 25%)")
            if self.share is not None:
                raise ValueError("share is for bans and licensing, not tariffs")
            if self.target == "all":
                raise ValueError("a tariff needs its target countries, not 'all'")
            return self
        if self.rate is not None:
            raise ValueError("rate is for tariffs only")
        if self.products.all:
            raise ValueError("all = true is for tariffs; list the HS6 codes")
        if self.kind == "licensing" and (self.share is None or not self.share_basis):
            raise ValueError("licensing needs a stated share and its share_basis")
        if self.kind == "coalition_control" and self.share is not None:
            raise ValueError("a coalition control stops every flow of its members; no share")
        return self

    @property
    def cut_share(self) -> float:
        """Share of the flow stopped (1 for a ban without a stated share)."""
        return 1.0 if self.share is None else float(self.share)

    def starts(self, event_date: dt.date) -> dt.date:
        """When the measure starts: its own date, else the event's."""
        return self.date or event_date

    def target_label(self) -> str:
        """Return the target as listed: ``all`` or the names joined by ``+``."""
        return "all" if self.target == "all" else "+".join(self.target)


class Outcome(_Strict):
    """What the sources say happened."""

    text: str = Field(..., min_length=10)
    sources: list[str] = Field(..., min_length=1)


class Event(_Strict):
    """A dated coercion event with its measures, sources and outcomes."""

    id: str
    title: str = Field(..., min_length=5)
    date: dt.date
    announced: dt.date | None = None
    summary: str = ""
    sources: list[Source] = Field(..., min_length=1)
    measures: list[EventMeasure] = Field(..., min_length=1)
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError("ids are lower-case letters, digits and dashes, e.g. cn-graphite-2023")
        return v

    @model_validator(mode="after")
    def _cited(self) -> Event:
        keys = [s.key for s in self.sources]
        if len(set(keys)) != len(keys):
            raise ValueError("two sources share a key")
        rows: list[tuple[str, list[str]]] = [
            (f"measures[{n}]", m.sources) for n, m in enumerate(self.measures)
        ] + [(f"outcomes[{n}]", o.sources) for n, o in enumerate(self.outcomes)]
        for where, cited in rows:
            unknown = [c for c in cited if c not in keys]
            if unknown:
                raise ValueError(f"{where} cites unknown source {unknown[0]!r}; known: {keys}")
        return self

    def source(self, key: str) -> Source:
        """Return the source of ``key``."""
        return next(s for s in self.sources if s.key == key)

    def imposers(self) -> list[str]:
        """Every imposer of the event's measures, in order."""
        return list(dict.fromkeys(x for m in self.measures for x in m.imposer))

    def targets(self) -> list[str]:
        """Every target of the event's measures, in order."""
        return list(dict.fromkeys(m.target_label() for m in self.measures))


# ---------------------------------------------------------------------------------- loading


def _problem(err: Any) -> tuple[str, str]:
    loc = ""
    for part in err["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else ("." if loc else "") + str(part)
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    return loc or "event", msg


def parse_event(data: dict[str, Any], *, source: object = "event") -> Event:
    """Validate one event mapping.

    Raises
    ------
    DataError
        Naming ``source`` and the first field at fault (``measures[0].share``).
    """
    try:
        return Event.model_validate(data)
    except ValidationError as e:
        field, msg = _problem(e.errors()[0])
        raise DataError(msg, path=source, field=field) from None


def load_event(path: Path) -> Event:
    """Read and validate one event file."""
    return parse_event(load_toml(path, what="event file"), source=path)


def builtin_folder() -> Path:
    """Return the folder of the shipped events."""
    return Path(str(resources.files("econsec"))) / "data" / "events"


def user_folder(home: Path | str | None) -> Path | None:
    """``home/events`` (``ECONSEC_HOME`` when ``None``), where users add their events."""
    if home is None:
        from econsec.settings import get_settings

        home = get_settings().home
    return Path(home) / "events"


def load_events(
    folders: Iterable[Path | None] | None = None, home: Path | str | None = None
) -> list[Event]:
    """Every event of the shipped library and the user's folder, sorted by date.

    Raises
    ------
    DataError
        For an invalid file, or an id defined twice (naming both files).
    """
    dirs = list(folders) if folders is not None else [builtin_folder(), user_folder(home)]
    seen: dict[str, Path] = {}
    out: list[Event] = []
    for d in dirs:
        if d is None or not d.is_dir():
            continue
        for f in sorted(d.glob("*.toml")):
            ev = load_event(f)
            if ev.id in seen:
                raise DataError(
                    f"event id {ev.id!r} is also defined in {seen[ev.id]}", path=f, field="id"
                )
            seen[ev.id] = f
            out.append(ev)
    return sorted(out, key=lambda e: (e.date, e.id))


def get_event(event_id: str, events: Sequence[Event]) -> Event:
    """Return the event of ``event_id``.

    Raises
    ------
    NotFoundError
        With the closest ids.
    """
    for e in events:
        if e.id == event_id.strip().lower():
            return e
    import difflib

    ids = [e.id for e in events]
    close = difflib.get_close_matches(event_id.strip().lower(), ids, n=3, cutoff=0.4)
    raise NotFoundError("event", event_id, close, hint="'econsec backtest list' shows the events")
