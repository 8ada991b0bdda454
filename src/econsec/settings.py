"""Settings read from the environment (``ECONSEC_*``) with pydantic-settings."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("econsec", appauthor=False))


class Settings(BaseSettings):
    """Where the warehouse lives and where downloads are resolved.

    Attributes
    ----------
    home
        The warehouse folder (``ECONSEC_HOME``); a platformdirs user data folder by default.
    mirror
        A folder or URL laid out like the upstream download sites (``ECONSEC_MIRROR``),
        tried before the official URLs.
    lock_wait
        Seconds a writer (ingest, fetch, doctor) waits for another one to finish before giving
        up with a clear error (``ECONSEC_LOCK_WAIT``; ``--wait`` overrides it).
    engine
        The Ibis engine analyses run on (``ECONSEC_ENGINE``: ``duckdb``, ``polars`` or
        ``pyspark``; ``econsec --engine`` overrides it).
    spark_remote
        A Spark Connect URL such as ``sc://host:15002`` (``ECONSEC_SPARK_REMOTE``); the
        ``pyspark`` engine then runs there instead of in local mode.
    spark_master
        The Spark master of a session econsec starts itself (``ECONSEC_SPARK_MASTER``,
        ``local[2]`` by default).
    trade_uri
        Where the ``pyspark`` engine reads the trade partitions (``ECONSEC_TRADE_URI``, e.g.
        ``s3a://bucket/econsec``): a copy of the warehouse's ``baci/`` tree; the catalogue and
        the small reference tables are still read from ``home``.
    summary_cache
        Keep each year's flow summaries (the aggregates most metrics start from) on disk
        under ``<home>/cache/summaries`` for later commands (``ECONSEC_SUMMARY_CACHE``,
        on by default; ``0`` keeps them in memory for one process only).
    """

    model_config = SettingsConfigDict(env_prefix="ECONSEC_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    mirror: str | None = None
    lock_wait: float = Field(default=30.0, ge=0)
    engine: str = "duckdb"
    spark_remote: str | None = None
    spark_master: str = "local[2]"
    trade_uri: str | None = None
    summary_cache: bool = True

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, v: Path) -> Path:
        # A quoted "~/data" in a shell profile reaches us unexpanded.
        return v.expanduser()


def get_settings(home: Path | str | None = None) -> Settings:
    """Return the settings, with ``home`` (e.g. from ``--home``) overriding the environment."""
    s = Settings()
    if home is not None:
        s = s.model_copy(update={"home": Path(home)})
    return s
