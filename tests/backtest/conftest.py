"""Fixtures of the back-test tests: the planted history, with its event in the user folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from bt_helpers import EVENT_TOML, history


@pytest.fixture
def planted_home(make_warehouse) -> Path:  # type: ignore[no-untyped-def]
    """A warehouse holding the planted 2020–2022 history and its event in ``home/events``."""
    home = make_warehouse(history())
    (home / "events").mkdir()
    (home / "events" / "planted.toml").write_text(EVENT_TOML, encoding="utf-8")
    return home
