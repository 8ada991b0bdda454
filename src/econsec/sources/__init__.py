"""Trade as each country reports it: UN Comtrade (annual) and national customs (monthly).

BACI reconciles importers' and exporters' reports into one figure per flow; these sources keep
both reports as filed, so that the gap between them (the mirror view) and its effect on a
headline (source sensitivity) can be shown. Everything is stored in the warehouse under
``sources/`` with the same integrity rules as BACI (see :mod:`econsec.sources.store`).

Units are those of the rest of econsec: values in **thousand USD**, weights in **metric tons**;
countries as ISO3 (``WLD`` is Comtrade's partner World).

Python API
----------
``ingest_comtrade(path, *, home=None, hs=None, countries=None, strict=False, force=False)``
    Ingest a UN Comtrade CSV/CSV.gz (compact, API/bulk or legacy 35-column shape); returns a
    :class:`~econsec.sources.store.SourceReport` (rows, rejects, duplicates, breakdowns).
``ingest_national(path, reporter, *, home=None, ...)``
    Ingest a national customs monthly series (``hs10,partner,year,month,export_usd,…``).
``read_flows(source="comtrade", *, years=None, reporters=None, partners=None, products=None,
flows=None, hs="HS17", home=None)``
    Annual flows ``year, reporter, partner, reporter_code, partner_code, flow, k, v, q, hs``;
    ``flow`` is the reporter's direction (``M`` import, ``X`` export, ``RM``/``RX`` re-import,
    re-export); codes bridged to ``hs`` with the concordance (``hs=None``: as reported).
``monthly(reporter, *, partners=None, products=None, years=None, home=None)``
    Monthly series ``reporter, partner, product, year, month, import_v, import_q, export_v,
    export_q`` (``product`` is the national line; a prefix such as ``281111`` selects lines).
In :mod:`econsec.sources.mirror`:

``mirror(year, *, products=None, importers=None, exporters=None, band=(0.9, 1.25), home=None)``
    One row per importer × exporter × product with both reports, their ratio, BACI's value
    where held and a flag outside the CIF/FOB band.
``world_shares(year, products, *, home=None)``
    Each exporter's share of world exports in BACI and by importers' own reports.
``world_indispensability(year, products, *, home=None)``
    Exporter concentration from exporters' reports to partner World (no bilateral rows needed).
``sensitivity_notes(year, products, ...)``, ``supplier_notes(year, importer, supplier, ...)``
    Sentences where BACI and the reports as filed put a headline share 3 points or more apart.

Example::

    from econsec.sources import monthly, read_flows

    hf = monthly("KOR", partners="JPN", products="2811111000", years=2019)
    kor = read_flows(years=2019, reporters="KOR", partners="JPN", flows="M")
"""

from __future__ import annotations

from econsec.sources.api import ingest_comtrade, ingest_national, monthly, read_flows

__all__ = ["ingest_comtrade", "ingest_national", "monthly", "read_flows"]
