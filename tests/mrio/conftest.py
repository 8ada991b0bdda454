"""Fixtures of the MRIO tests."""

from __future__ import annotations

import pytest
from mrio_helpers import mb_table

from econsec.mrio.tables import MRIOTable


@pytest.fixture
def mb() -> MRIOTable:
    """Miller & Blair's two-sector example table."""
    return mb_table()
