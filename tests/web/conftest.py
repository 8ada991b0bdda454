"""A small warehouse (three years, eight countries, six products) and the app serving it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from econsec.warehouse.store import write_release_frames

COUNTRIES = pl.DataFrame(
    {
        "code": [156, 392, 410, 490, 842, 276, 528, 36],
        "name": [
            "China",
            "Japan",
            "Rep. of Korea",
            "Other Asia, nes",
            "USA",
            "Germany",
            "Netherlands",
            "Australia",
        ],
        "iso2": ["CN", "JP", "KR", "", "US", "DE", "NL", "AU"],
        "iso3": ["CHN", "JPN", "KOR", "S19", "USA", "DEU", "NLD", "AUS"],
    }
)
PRODUCTS = pl.DataFrame(
    {
        "code": ["850511", "811292", "280530", "260600", "283691", "854231"],
        "description": [
            "Magnets: permanent magnets and articles intended to become permanent magnets",
            "Gallium, germanium, hafnium, indium, niobium, rhenium: unwrought",
            "Metals: rare-earth metals, scandium and yttrium",
            "Aluminium ores and concentrates",
            "Carbonates: lithium carbonate",
            "Electronic integrated circuits: processors and controllers",
        ],
    }
)
YEARS = (2022, 2023, 2024)


def flows() -> pl.DataFrame:
    """Every exporter → importer × product × year, China large in magnets and rare earths."""
    rng = np.random.default_rng(12)
    codes = COUNTRIES["code"].to_list()
    rows = []
    for t in YEARS:
        for k in PRODUCTS["code"].to_list():
            for i in codes:
                for j in codes:
                    if i == j or rng.random() < 0.25:
                        continue
                    v = float(rng.gamma(1.5, 100.0))
                    if i == 156 and k in ("850511", "280530"):
                        v *= 60
                    rows.append((t, i, j, k, round(v, 3), round(v / 7, 3)))
    return pl.DataFrame(rows, schema=["t", "i", "j", "k", "v", "q"], orient="row")


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small warehouse (built once per test session)."""
    home = tmp_path_factory.mktemp("web") / "home"
    home.mkdir()
    write_release_frames(home, "HS17", "V202601", flows(), COUNTRIES, PRODUCTS)
    return home


@pytest.fixture(scope="session")
def web_io(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of IO tables holding ``tiny`` (two regions, two WIOD sectors, year 2024)."""
    from econsec.mrio.tables import MRIOTable, write_bundle

    folder = tmp_path_factory.mktemp("io")
    Z = np.array([[10.0, 20, 5, 5], [5, 10, 5, 5], [5, 5, 10, 20], [5, 5, 5, 10]])
    Y = np.array([[60.0, 10], [70, 10], [10, 60], [10, 80]])
    table = MRIOTable(
        Z=Z,
        Y=Y,
        x=Z.sum(axis=1) + Y.sum(axis=1),
        regions=("JPN", "JPN", "RoW", "RoW"),
        sectors=("c12", "c14", "c12", "c14"),
        fd_labels=(("JPN", "hh"), ("RoW", "hh")),
        unit="million USD",
        source="tiny",
        name="tiny",
        year=2024,
    )
    write_bundle(table, folder / "tiny")
    return folder


#: MCS-shaped world tables: rare earths (mine only) and gallium (refined).
RAREE = (
    "\ufeffSource,Country,Type,Prod_t_est_2022,Prod_t_est_2023,Prod_notes,Reserves_t\n"
    'MCS2024,United States,"Rare earths, mine production, rare-earth-oxide equivalent",'
    "42000,43000,,1800000\n"
    'MCS2024,Australia,"Rare earths, mine production, rare-earth-oxide equivalent",'
    "18000,18000,,5700000\n"
    'MCS2024,China,"Rare earths, mine production, rare-earth-oxide equivalent",'
    "210000,240000,,44000000\n"
    'MCS2024,World total (rounded),"Rare earths, mine production, rare-earth-oxide equivalent",'
    "300000,350000,,110000000\n"
)
GALLIUM = (
    "Source,Country,Type,Prod_kg_2022,Prod_kg_est_2023,Prod_notes\n"
    "MCS2024,China,Primary production,600000,750000,\n"
    "MCS2024,Japan,Primary production,3000,3000,\n"
    "MCS2024,Russia,Primary production,5000,5000,\n"
    "MCS2024,World total (rounded),Primary production,610000,760000,\n"
)


@pytest.fixture(scope="session")
def web_usgs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two MCS 2024 world tables (rare earths, gallium)."""
    folder = tmp_path_factory.mktemp("usgs")
    (folder / "mcs2024-raree_world.csv").write_text(RAREE, encoding="utf-8")
    (folder / "mcs2024-galli_world.csv").write_text(GALLIUM, encoding="utf-8")
    return folder


#: Comtrade as reported (API shape, M49 codes): both reports of CHN → JPN and CHN → DEU
#: rare earths in 2023, and exports to World (partner 0) of gallium.
COMTRADE_HEADER = (
    "typeCode,freqCode,refYear,period,reporterCode,reporterISO,flowCode,partnerCode,partnerISO,"
    "partner2Code,classificationCode,cmdCode,customsCode,motCode,qtyUnitCode,qty,netWgt,"
    "primaryValue"
)
COMTRADE_ROWS = [
    (392, "M", 156, "280530", 9_000_000),
    (156, "X", 392, "280530", 8_500_000),
    (276, "M", 156, "280530", 4_000_000),
    (156, "X", 276, "280530", 1_000_000),
    (842, "M", 156, "280530", 700_000),
    (156, "X", 0, "811292", 50_000_000),
    (392, "X", 0, "811292", 4_000_000),
    (276, "X", 0, "811292", 6_000_000),
]
#: Korea's customs statistics: imports of a rare-earth line from Japan and China by month.
NATIONAL = (
    "hs10,partner,year,month,export_usd,export_kg,import_usd,import_kg\n"
    "2805301000,Japan,2023,6,0,0,120000,800\n"
    "2805301000,Japan,2023,7,0,0,90000,600\n"
    "2805301000,China,2023,6,0,0,500000,4000\n"
)


@pytest.fixture(scope="session")
def sources_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small warehouse with Comtrade and Korea's national statistics ingested."""
    from econsec.sources import ingest_comtrade, ingest_national

    root = tmp_path_factory.mktemp("sources")
    home = root / "home"
    home.mkdir()
    write_release_frames(home, "HS17", "V202601", flows(), COUNTRIES, PRODUCTS)
    lines = [COMTRADE_HEADER] + [
        f"C,A,2023,2023,{r},,{f},{p},,0,H5,{k},C00,0,8,1000,1000,{v}"
        for r, f, p, k, v in COMTRADE_ROWS
    ]
    (root / "comtrade.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_comtrade(root / "comtrade.csv", home=home)
    (root / "kor.csv").write_text(NATIONAL, encoding="utf-8")
    ingest_national(root / "kor.csv", "KOR", home=home)
    return home


def _client(home: Path, **config: object):
    from fastapi.testclient import TestClient

    from econsec.web import ServerConfig, create_app
    from econsec.web.runner import Limits

    cfg = ServerConfig(home=home, limits=Limits(max_sync_draws=500), **config)  # type: ignore[arg-type]
    return TestClient(create_app(cfg))


@pytest.fixture(scope="session")
def client(web_home: Path, web_io: Path, web_usgs: Path):
    """A test client of the app on the small warehouse (server errors raise)."""
    with _client(web_home, io_dir=web_io, usgs_dir=web_usgs) as c:
        yield c


@pytest.fixture(scope="session")
def sources_client(sources_home: Path, web_usgs: Path):
    """A test client of the app on the warehouse holding Comtrade and national statistics."""
    with _client(sources_home, usgs_dir=web_usgs) as c:
        yield c
