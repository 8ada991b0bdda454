"""The event library: the shipped files, and one-line errors for bad ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from econsec.backtest.events import builtin_folder, get_event, load_event, load_events
from econsec.errors import DataError, NotFoundError

ISSUE_EVENTS = {
    "cn-jp-rare-earths-2010",
    "jp-kr-semiconductor-materials-2019",
    "us-jp-nl-chip-tools-2022",
    "cn-gallium-germanium-2023",
    "cn-graphite-2023",
    "cn-us-gallium-germanium-antimony-ban-2024",
    "cn-rare-earths-2025",
    "us-cn-section301-2018",
    "us-tariffs-2025",
}


@pytest.mark.unit
def test_shipped_library_covers_the_events_with_sources() -> None:
    events = load_events([builtin_folder()])
    assert {e.id for e in events} == ISSUE_EVENTS
    assert [e.date for e in events] == sorted(e.date for e in events)
    kinds = {m.kind for e in events for m in e.measures}
    assert kinds == {"ban", "licensing", "tariff", "coalition_control"}
    for e in events:
        assert e.sources and e.outcomes, e.id
        for m in e.measures:
            assert m.sources and m.products.label(), e.id
            if m.kind == "licensing":
                assert m.share is not None and m.share_basis
    gage = get_event("cn-gallium-germanium-2023", events)
    assert gage.date == dt.date(2023, 8, 1)
    assert "No. 23 of 2023" in gage.sources[0].citation
    assert gage.measures[0].products.codes("HS17")[0] == "811292"
    s301 = get_event("us-cn-section301-2018", events)
    cites = " ".join(s.citation for s in s301.sources)
    assert "Journal of Economic Perspectives" in cites and "Quarterly Journal of Economics" in cites
    rates = {m.target_label(): m.rate for m in get_event("us-tariffs-2025", events).measures}
    assert rates == {"CHN": 1.45, "BRA": 0.5, "IND": 0.5}


def _write(tmp_path: Path, text: str, name: str = "ev.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
id = "my-event-2024"
title = "A user's event"
date = 2024-05-01
[[sources]]
key = "a"
citation = "An official notice, 1 May 2024"
[[measures]]
kind = "ban"
imposer = ["CHN"]
target = ["JPN"]
sources = ["a"]
[measures.products]
HS17 = ["811292"]
"""


@pytest.mark.unit
@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ('kind = "ban"', 'kind = "embargo"', "measures[0].kind", "Input should be"),
        ('sources = ["a"]', 'sources = ["b"]', "event", "cites unknown source 'b'"),
        ('HS17 = ["811292"]', 'HS17 = ["8112"]', "measures[0].products.HS17", "6 digits"),
        ('kind = "ban"', 'kind = "licensing"', "measures[0]", "share_basis"),
        ('kind = "ban"', 'kind = "tariff"', "measures[0]", "rate"),
        ('id = "my-event-2024"', 'id = "My Event"', "id", "lower-case"),
        ('title = "A user\'s event"', 'title = "A user\'s event"\ncolour = 1', "colour", "unknown"),
        ("date = 2024-05-01", 'date = "May 2024"', "date", "date"),
    ],
)
def test_bad_event_files_name_file_and_field(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    assert old in GOOD
    p = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(DataError) as e:
        load_event(p)
    text = str(e.value)
    assert str(p) in text and f"field '{field}'" in text and message in text
    assert "\n" not in text


@pytest.mark.unit
def test_user_events_join_the_library_and_ids_are_unique(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "events").mkdir(parents=True)
    _write(home / "events", GOOD)
    events = load_events(home=home)
    assert "my-event-2024" in {e.id for e in events}
    assert len(events) == len(ISSUE_EVENTS) + 1
    _write(home / "events", GOOD, "again.toml")
    with pytest.raises(DataError, match="also defined in"):
        load_events(home=home)


@pytest.mark.unit
def test_unknown_event_suggests_close_ids() -> None:
    with pytest.raises(NotFoundError, match="cn-graphite-2023"):
        get_event("cn-graphite-2032", load_events([builtin_folder()]))
