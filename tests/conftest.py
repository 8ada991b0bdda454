"""Shared fixtures: the real-data mirror (skipped when absent) and small warehouses."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings

from econsec.warehouse.store import write_release_frames

# Property tests check results, never time: no per-example deadline, which a loaded machine
# (or a parallel run) would trip.
settings.register_profile("econsec", deadline=None)
settings.load_profile("econsec")

_DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data() -> Path | None:
    """The real-data folder: ECONSEC_MIRROR when it is a folder, else ../shared/data."""
    env = os.environ.get("ECONSEC_MIRROR")
    for cand in (Path(env) if env and "://" not in env else None, _DEFAULT_SHARED):
        if cand is not None and cand.is_dir():
            return cand
    return None


@pytest.fixture
def mirror() -> Path:
    """The real sample data folder; tests needing it skip with a reason when it is absent."""
    p = shared_data()
    if p is None:
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    return p


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty warehouse folder, also set as ECONSEC_HOME."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("ECONSEC_HOME", str(h))
    return h


#: A small country table in the release format (CEPII codes).
SMALL_COUNTRIES = pl.DataFrame(
    {
        "code": [156, 392, 410, 490, 516, 842, 276, 251, 528, 36, 76, 699],
        "name": [
            "China",
            "Japan",
            "Rep. of Korea",
            "Other Asia, nes",
            "Namibia",
            "USA",
            "Germany",
            "France",
            "Netherlands",
            "Australia",
            "Brazil",
            "India",
        ],
        "iso2": ["CN", "JP", "KR", "", "NA", "US", "DE", "FR", "NL", "AU", "BR", "IN"],
        "iso3": [
            "CHN",
            "JPN",
            "KOR",
            "S19",
            "NAM",
            "USA",
            "DEU",
            "FRA",
            "NLD",
            "AUS",
            "BRA",
            "IND",
        ],
    }
)


@pytest.fixture
def small_countries() -> pl.DataFrame:
    """A small release-format country table."""
    return SMALL_COUNTRIES.clone()


@pytest.fixture
def make_warehouse(home: Path):
    """Factory writing a release from a frame of flows ``t, i, j, k, v[, q]`` into ``home``."""

    def _make(
        flows: pl.DataFrame | dict,
        *,
        hs: str = "HS17",
        release: str = "V202601",
        countries: pl.DataFrame | None = None,
        synthetic: bool = False,
    ) -> Path:
        df = flows if isinstance(flows, pl.DataFrame) else pl.DataFrame(flows)
        write_release_frames(
            home,
            hs,
            release,
            df,
            countries if countries is not None else SMALL_COUNTRIES,
            synthetic=synthetic,
        )
        return home

    return _make


def spark_missing() -> str | None:
    """Why the pyspark engine cannot run here (``None`` when it can)."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark absent: install the spark extra (pip install -e '.[dev,spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java absent: the pyspark engine needs Java 17 (openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session for the whole test run (JVM start-up is expensive)."""
    reason = spark_missing()
    if reason is not None:
        if os.environ.get("ECONSEC_REQUIRE_SPARK"):  # set by .ci/run: CI must run them
            pytest.fail(f"ECONSEC_REQUIRE_SPARK is set but {reason}")
        pytest.skip(reason)
    from econsec.spark import start_session

    session = start_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_con(spark_session):
    """An Ibis connection over the shared Spark session, econsec's compiler installed."""
    from econsec.spark import connect_session

    return connect_session(spark_session)
