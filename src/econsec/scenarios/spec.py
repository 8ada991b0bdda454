"""Scenario specifications: typed measures and the TOML file format.

A scenario replays one year of the warehouse under one or more measures. Each measure is
evaluated against the same baseline year (measures are not netted against each other)::

    name = "China stops permanent magnets to Japan"
    year = 2024                # omitted: the latest year held
    horizon = "3-12m"          # 0-3m, 3-12m or 12m+ (redirectable fraction by horizon)
    # redirect = 0.2           # explicit redirectable fraction, overrides the horizon

    [[measures]]
    kind = "export_ban"        # export_ban, tariff, coalition_control or quota
    suppliers = ["CHN"]
    targets = ["JPN"]
    products = ["850511"]      # HS6 codes (2/4 digits expand to their HS6 codes)
    baskets = []               # basket names (econsec baskets list)
    share = 1.0                # share of the flows stopped

    [montecarlo]
    draws = 1000
    seed = 0

    [io]
    table = "path/to/bundle"
    model = "ghosh"

Countries are ISO3 codes, CEPII codes, names or group names (``EU27``, ``G7``; members on
1 July of the scenario's year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from econsec.errors import DataError
from econsec.scenarios.montecarlo import MAX_DRAWS, MIN_DRAWS
from econsec.substitution import HORIZONS
from econsec.tomlsafe import load_toml

Horizon = Literal["0-3m", "3-12m", "12m+"]
IOModel = Literal["ghosh", "leontief", "inoperability"]
KINDS = ("export_ban", "tariff", "coalition_control", "quota")
#: Largest scenario file read (a scenario is a few lines; this guards against wrong files).
#: Months of the window over which a licensing delay is spread (the replay year).
WINDOW_MONTHS = 12.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _codes(v: list[str]) -> list[str]:
    out = []
    for c in v:
        s = str(c).strip()
        if not (s.isdigit() and len(s) in (2, 4, 6)):
            raise ValueError(f"HS codes must be 2, 4 or 6 digits, got {c!r}")
        out.append(s)
    return out


def _code_list(v: Any) -> list[str]:
    # A lone code is a list of one; anything else that is not a list is a mistake.
    if isinstance(v, str | int) and not isinstance(v, bool):
        return _codes([str(v)])
    if not isinstance(v, list | tuple):
        raise ValueError('expected a list of HS codes, e.g. ["850511"]')
    return _codes(list(v))


def _name(x: Any) -> bool:
    # Names, ISO3 codes or CEPII numeric codes (156); a boolean or a table is a mistake.
    return isinstance(x, str) or (isinstance(x, int) and not isinstance(x, bool))


def _countries(v: Any) -> list[str]:
    if isinstance(v, str):  # a lone name; a lone number is more likely a slip than a code
        items = [v]
    elif isinstance(v, list | tuple) and all(_name(x) for x in v):
        items = [str(x) for x in v]
    else:
        raise ValueError('expected a list of country names, e.g. ["CHN"]')
    out = [x.strip() for x in items if x.strip()]
    if not out:
        raise ValueError("at least one country or group is required")
    return out


class _Products(_Strict):
    products: list[str] = Field(default_factory=list, description="HS codes (6, 4 or 2 digits).")
    baskets: list[str] = Field(default_factory=list, description="Basket names.")

    _check_codes = field_validator("products", mode="before")(_code_list)


class ExportBan(_Products):
    """Suppliers stop (a share of) their exports of the products to the targets."""

    kind: Literal["export_ban"] = "export_ban"
    suppliers: list[str]
    targets: list[str]
    share: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of the flows stopped.")

    _c = field_validator("suppliers", "targets", mode="before")(_countries)

    @model_validator(mode="after")
    def _need_products(self) -> ExportBan:
        if not self.products and not self.baskets:
            raise ValueError("give products or baskets (an export ban needs goods)")
        return self

    @property
    def cut_share(self) -> float:
        """Share of the suppliers' flows to the targets that stops."""
        return self.share


class Quota(ExportBan):
    """Suppliers license only a share of their past exports, after a licensing delay.

    Over a 12-month window the flow is zero during ``delay_months`` and ``allowed`` of its
    baseline afterwards, so the share lost is ``1 - allowed · (1 - delay_months / 12)``.
    """

    kind: Literal["quota"] = "quota"  # type: ignore[assignment]
    share: float = Field(default=1.0, ge=0.0, le=1.0, description="Unused; see allowed.")
    allowed: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of baseline licensed.")
    delay_months: float = Field(
        default=0.0, ge=0.0, le=WINDOW_MONTHS, description="Licensing delay."
    )

    @property
    def cut_share(self) -> float:
        """``1 - allowed · (1 - delay_months / 12)``."""
        return 1.0 - self.allowed * (1.0 - self.delay_months / WINDOW_MONTHS)


class Tariff(_Products):
    """The imposer taxes imports from the target at an ad-valorem rate (all goods if none given)."""

    kind: Literal["tariff"] = "tariff"
    imposer: list[str]
    target: list[str]
    rate: float = Field(..., ge=0.0, le=100.0, description="Ad-valorem rate (0.5 = 50%).")
    eta: float = Field(
        default=1.0, ge=0.0, le=20.0, description="Elasticity of the importer's total demand."
    )

    _c = field_validator("imposer", "target", mode="before")(_countries)


class CoalitionControl(_Products):
    """Members jointly stop exports of the products to the target.

    ``threshold`` also asks which smallest set of further exporters must join to leave the
    target with at most that share of world supply outside the coalition.
    """

    kind: Literal["coalition_control"] = "coalition_control"
    members: list[str]
    target: list[str]
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    _c = field_validator("members", "target", mode="before")(_countries)

    @model_validator(mode="after")
    def _need_products(self) -> CoalitionControl:
        if not self.products and not self.baskets:
            raise ValueError("give products or baskets (a coalition control needs goods)")
        return self


Measure = Annotated[ExportBan | Quota | Tariff | CoalitionControl, Field(discriminator="kind")]


class MonteCarloSpec(_Strict):
    """Uncertainty draws: redirectable fraction uniform on a range, σ log-normal around ProTEE."""

    draws: int = Field(default=1000, ge=MIN_DRAWS, le=MAX_DRAWS)
    seed: int = 0
    redirect_range: tuple[float, float] | None = Field(
        default=None,
        description="Range of the redirectable fraction; default ±50% of the central one.",
    )
    sigma_log_sd: float = Field(default=0.3, ge=0.0, le=3.0, description="sd of log σ per product.")

    @field_validator("redirect_range")
    @classmethod
    def _range(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not 0.0 <= v[0] <= v[1] <= 1.0:
            raise ValueError("redirect_range must satisfy 0 <= low <= high <= 1")
        return v


class IOSpec(_Strict):
    """Propagation of the shortfall through an MRIO table."""

    table: Path
    kind: str = "auto"
    year: int | None = None
    model: IOModel = "ghosh"
    bridge: str | None = Field(
        default=None, description="HS -> sector bridge; by table when omitted."
    )
    recompute_x: bool = True
    top: int = Field(default=10, ge=1, le=1000)


class Scenario(_Strict):
    """A scenario: a year, substitution parameters and measures."""

    name: str = "scenario"
    description: str = ""
    year: int | None = Field(
        default=None, ge=1988, le=2100, description="Year replayed; the latest held when omitted."
    )
    horizon: Horizon = "3-12m"
    redirect: float | None = Field(default=None, ge=0.0, le=1.0)
    measures: list[Measure] = Field(..., min_length=1)
    montecarlo: MonteCarloSpec | None = None
    io: IOSpec | None = None

    @property
    def redirect_fraction(self) -> float:
        """The explicit ``redirect``, else the horizon's fraction (see econsec.substitution)."""
        return self.redirect if self.redirect is not None else HORIZONS[self.horizon]


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("export_ban", "tariff", "coalition_control", "quota"):
            continue  # pydantic adds the union tag to the path; users never wrote it
        else:
            out += ("." if out else "") + str(part)
    return out


def _problem(err: Any) -> tuple[str | None, str]:
    """Return the TOML path and a plain message of one pydantic error."""
    field = _loc(tuple(err["loc"])) or None
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        got = err.get("ctx", {}).get("tag")
        what = f"unknown measure kind {got!r}" if got else "missing measure kind"
        msg = f"{what}; allowed: {', '.join(KINDS)}"
        field = f"{field}.kind" if field else "kind"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    return field, msg


def _explain(e: ValidationError, source: object) -> DataError:
    """Return one DataError naming the first problem; every problem on a line of its own."""
    problems = [_problem(err) for err in e.errors()]
    (field, msg), rest = problems[0], problems[1:]
    lines = [msg, *(str(DataError(m, path=source, field=f)) for f, m in rest)]
    return DataError("\n".join(lines), path=source, field=field)


def parse_scenario(data: dict[str, Any], *, source: object = "scenario") -> Scenario:
    """Validate a scenario mapping.

    Raises
    ------
    DataError
        Naming the field (e.g. ``measures[0].kind``) and, for choices, the allowed values.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise _explain(e, source) from None


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario TOML file (relative IO table paths are file-relative)."""
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", path=p)
    data = load_toml(p, what="scenario file")
    io = data.get("io")
    if isinstance(io, dict) and isinstance(io.get("table"), str):
        t = Path(io["table"]).expanduser()
        io["table"] = str(t if t.is_absolute() else (p.parent / t))
    return parse_scenario(data, source=p)
