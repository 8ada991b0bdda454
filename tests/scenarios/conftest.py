"""Fixtures of the scenario tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from scen_helpers import flows

from econsec.engine import Warehouse


@pytest.fixture
def small_home(make_warehouse) -> Path:  # type: ignore[no-untyped-def]
    """A warehouse with the hand-made year 2024 (HS17) and the same flows as 2010 (HS02)."""
    make_warehouse(flows(2024))
    return make_warehouse(flows(2010), hs="HS02")


@pytest.fixture
def small_wh(small_home: Path) -> Warehouse:
    return Warehouse(small_home)
