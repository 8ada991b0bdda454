"""Work a query does once: GeoDep's exporter aggregate, and the flows read from the files.

Counted on the expression graph (what the engine is asked to compute), never timed.
"""

from __future__ import annotations

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import polars as pl
import pytest
from metrics_helpers import GOLDEN, JPN, MAGNETS, run, table

from econsec.metrics import autonomy as aut
from econsec.metrics import indispensability as ind
from econsec.metrics import screens


def _exporter_aggregates(expr: ir.Table) -> int:
    # The exporter's code is column ``i`` of the flows, whatever the aggregate renames it.
    n = 0
    for agg in expr.op().find(ops.Aggregate):
        if agg.parent.find(ops.Aggregate):
            continue  # built on another aggregate, not on the flows
        sources = {v.name for v in agg.groups.values() if isinstance(v, ops.Field)}
        if "i" in sources and "j" not in sources:
            n += 1
    return n


@pytest.mark.parametrize("importers", [None, [JPN]])
def test_geodep_computes_exporter_totals_once(importers: list[int] | None) -> None:
    cond = screens.geodep_conditions(table(GOLDEN), importers=importers)
    assert _exporter_aggregates(cond) == 1
    # Each part alone has its own, as before.
    assert _exporter_aggregates(aut.autonomy(table(GOLDEN), importers=importers)) == 1
    assert _exporter_aggregates(ind.world_concentration(table(GOLDEN))) == 1


def test_shared_exporter_totals_give_the_same_frames() -> None:
    f = table(GOLDEN)
    e = aut.exporter_totals(f)
    for imps in (None, [JPN]):
        alone = run(aut.autonomy(f, importers=imps, products=[MAGNETS]))
        shared = run(aut.autonomy(f, importers=imps, products=[MAGNETS], exports=e))
        assert shared.equals(alone)
    assert run(ind.world_concentration(f, exports=e)).equals(run(ind.world_concentration(f)))


def test_flows_are_the_files_own_view(make_warehouse) -> None:
    """DuckDB reads the year's files as they are: no projection for a metric to hold a copy of.

    A projection on top of the files becomes a CTE that DuckDB materialises (every flow in
    memory) as soon as a metric reads the flows twice, as autonomy does.
    """
    from econsec.engine import Warehouse
    from econsec.warehouse.schema import TRADE_COLUMNS

    y2023 = GOLDEN.with_columns(t=pl.lit(2023, dtype=pl.Int16))
    wh = Warehouse(make_warehouse(pl.concat([y2023, GOLDEN])))
    for years in (2024, [2023, 2024]):
        t = wh.trade(years)
        assert tuple(t.columns) == TRADE_COLUMNS  # the year=/hs= folders are not columns
        assert isinstance(t.op(), ops.DatabaseTable)
    assert wh.trade([2023, 2024]).count().execute() == 2 * GOLDEN.height
    sql = str(ibis.to_sql(aut.autonomy(wh.trade(2024))))
    assert "WITH" not in sql.upper().split("SELECT")[0]
