"""The scenario page (``--format html``) reads like a report, and IO years are checked."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from econsec.engine import Warehouse
from econsec.mrio.tables import MRIOTable, write_bundle
from econsec.report.scenario_html import cell, label, render_html
from econsec.scenarios import export_ban


def _table(year: int | None) -> MRIOTable:
    Z = np.array([[10.0, 20, 5, 5], [5, 10, 5, 5], [5, 5, 10, 20], [5, 5, 5, 10]])
    Y = np.array([[60.0, 10], [70, 10], [10, 60], [10, 80]])
    return MRIOTable(
        Z=Z,
        Y=Y,
        x=Z.sum(axis=1) + Y.sum(axis=1),
        regions=("JPN", "JPN", "RoW", "RoW"),
        sectors=("c12", "c14", "c12", "c14"),
        fd_labels=(("JPN", "hh"), ("RoW", "hh")),
        unit="million USD",
        source="tiny",
        name="tiny",
        year=year,
    )


@pytest.mark.unit
def test_cells_and_labels_read_as_a_person_writes_them():
    assert label("lost_imports") == "imports lost"
    assert label("value_added_loss") == "value added loss"
    assert cell("shortfall_share", 0.056012924516) == "5.6%"
    assert cell("lost_imports", 100967.48400000001) == "100,967"
    assert cell("sigma", 2.0000000000000004) == "2"
    assert cell("shortfall", float("nan")) == ""


@pytest.mark.unit
def test_page_is_styled_without_snake_case_or_float_noise(small_wh: Warehouse, tmp_path: Path):
    bundle = write_bundle(_table(2024), tmp_path / "tiny")
    res = export_ban("CHN", "JPN", 2024, "850511", redirect=0.2, warehouse=small_wh, io=bundle)
    page = render_html(res)
    assert "<style>" in page and "section{" in page
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert headers and not [h for h in headers if "_" in h]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert cells and not [c for c in cells if re.search(r"\.\d*[1-9]\d{5,}", c)]
    # trade in thousand USD, the IO tables in the table's own unit, both said
    assert "Input-output losses by region (ghosh; million USD)" in page
    assert "input-output\nvalues in million USD" in page or "values in million USD" in page
    assert not [n for n in res.notes if "IO table is for" in n]


@pytest.mark.unit
def test_an_io_table_of_another_year_is_noted(small_wh: Warehouse, tmp_path: Path):
    bundle = write_bundle(_table(2011), tmp_path / "t2011")
    res = export_ban("CHN", "JPN", 2024, "850511", redirect=0.2, warehouse=small_wh, io=bundle)
    (note,) = [n for n in res.notes if "IO table is for" in n]
    assert note.startswith("the IO table is for 2011 but the scenario replays 2024")
    assert res.io is not None and res.io.totals["unit"] == "million USD"
    assert replace(res, notes=()).notes == ()
