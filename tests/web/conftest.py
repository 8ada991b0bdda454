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


@pytest.fixture(scope="session")
def client(web_home: Path, web_io: Path):
    """A test client of the app on the small warehouse (server errors raise)."""
    from fastapi.testclient import TestClient

    from econsec.web import ServerConfig, create_app
    from econsec.web.runner import Limits

    app = create_app(ServerConfig(home=web_home, io_dir=web_io, limits=Limits(max_sync_draws=500)))
    with TestClient(app) as c:
        yield c
