"""The ``pyspark`` engine: a Spark session (local, Spark Connect or the caller's) under Ibis.

Nothing here is imported unless the ``pyspark`` engine is asked for, so DuckDB users never
pay for (or need) PySpark and Java. Install it with ``pip install 'econsec[spark]'``; Spark
4.0 needs Java 17 (Debian: ``openjdk-17-jre-headless``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.common.exceptions as com
import ibis.expr.types as ir
import sqlglot.expressions as sge
from ibis.backends import BaseBackend
from ibis.backends.sql.compilers.pyspark import PySparkCompiler

from econsec.errors import EngineError

#: Settings of a session econsec starts itself: small, because local mode shares the
#: machine with the caller; a cluster session is configured by whoever starts it.
LOCAL_CONF = {
    "spark.driver.memory": "1g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
    # Spark would otherwise create ./spark-warehouse wherever the command is run.
    "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "econsec-spark-warehouse"),
}

#: Spark's own log output: errors only (its default prints warnings and a progress bar).
LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")

_INSTALL = "install it with: pip install 'econsec[spark]'"


def _require_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as e:
        raise EngineError(f"the pyspark engine needs PySpark ({e}); {_INSTALL}") from None
    return pyspark.sql


def start_session(
    master: str = "local[2]", remote: str | None = None, conf: Mapping[str, str] | None = None
) -> Any:
    """Return a Spark session: Spark Connect at ``remote``, else one on ``master``.

    A local master gets :data:`LOCAL_CONF`; ``conf`` overrides it (e.g.
    ``{"spark.driver.memory": "4g"}``) and is all a cluster master gets. A Spark
    session already running in this process is returned as it is (Spark's ``getOrCreate``).

    Raises
    ------
    EngineError
        When PySpark is not installed, or a local session is asked for without Java.
    """
    sql = _require_pyspark()
    builder = sql.SparkSession.builder.appName("econsec")
    if remote:
        try:
            return builder.remote(remote).getOrCreate()
        except Exception as e:  # grpc and py4j raise their own types
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise EngineError(f"cannot reach Spark Connect at {remote}: {first}") from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EngineError(
            "the pyspark engine needs Java 17 (e.g. apt-get install openjdk-17-jre-headless) "
            "or JAVA_HOME set"
        )
    builder = builder.master(master)
    # Small settings suit local mode only; on a cluster master, Spark's and the site's own.
    base = LOCAL_CONF if master.startswith("local") else {}
    for key, value in {**base, **(conf or {})}.items():
        builder = builder.config(key, value)
    builder = builder.config(
        "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class Compiler(PySparkCompiler):
    """Ibis' PySpark compiler, plus ordered ``first``/``last`` aggregates.

    Spark SQL has no ``first(x ORDER BY ...)``, which :func:`econsec.metrics.shares.
    concentration` uses for the largest unit (ties to the lower code). The same row is
    ``max_by(x, struct(keys))``: Spark orders structs field by field, so the struct of the
    ordering keys (numeric keys negated where their direction differs from the first key's)
    picks exactly the row ``first`` would. Ties on every key stay arbitrary, as in ``first``.
    """

    def visit_First(self, op, *, arg, where, order_by, include_null):  # type: ignore[no-untyped-def]
        """Compile ``first``; with ``order_by``, the ``max_by``/``min_by`` form."""
        if not order_by:
            return super().visit_First(
                op, arg=arg, where=where, order_by=order_by, include_null=include_null
            )
        return self._by(op, arg, where, order_by, include_null, last=False)

    def visit_Last(self, op, *, arg, where, order_by, include_null):  # type: ignore[no-untyped-def]
        """Compile ``last``; with ``order_by``, the ``max_by``/``min_by`` form."""
        if not order_by:
            return super().visit_Last(
                op, arg=arg, where=where, order_by=order_by, include_null=include_null
            )
        return self._by(op, arg, where, order_by, include_null, last=True)

    def _by(self, op, arg, where, order_by, include_null, *, last):  # type: ignore[no-untyped-def]
        lead = bool(order_by[0].args.get("desc"))
        keys = []
        for key, ordered in zip(op.order_by, order_by, strict=True):
            this = ordered.this
            if bool(ordered.args.get("desc")) != lead:
                if not key.dtype.is_numeric():
                    raise com.UnsupportedOperationError(
                        "ordered first/last on Spark needs numeric keys when directions mix"
                    )
                this = sge.Neg(this=sge.Paren(this=this))
            # Spark compares null struct fields unlike ORDER BY does: a flag field puts the
            # nulls where the sort key says, and the value itself is made non-null.
            isnull = sge.Is(this=ordered.this, expression=sge.Null())
            # max_by (leading key descending): nulls first must compare largest; min_by: the
            # reverse. The flag is ``is null`` where nulls must compare larger.
            null_larger = key.nulls_first == lead
            keys.append(isnull if null_larger else sge.Not(this=isnull))
            if key.dtype.is_numeric() or key.dtype.is_string():
                zero = sge.convert(0 if key.dtype.is_numeric() else "")
                this = sge.Coalesce(this=this, expressions=[zero])
            keys.append(this)
        struct = self.f.struct(*keys)
        keep = where
        if not include_null:
            notnull = sge.Not(this=sge.Is(this=arg, expression=sge.Null()))
            keep = notnull if keep is None else sge.And(this=keep, expression=notnull)
        if keep is not None:
            struct = self.if_(keep, struct, sge.Null())
        # first in descending order = the largest key; last flips it.
        return (self.f.max_by if lead != last else self.f.min_by)(arg, struct)


def connect_session(session: Any) -> BaseBackend:
    """Wrap an existing Spark session (classic or Spark Connect) in an Ibis connection."""
    _require_pyspark()
    con = ibis.pyspark.connect(session)
    con.compiler = Compiler()  # type: ignore[attr-defined]
    return con


def read_parquet(con: BaseBackend, paths: Sequence[str]) -> ir.Table:
    """Register the Parquet ``paths`` (files or folders, local or URIs) as one table.

    Ibis' own ``read_parquet`` takes one path; Spark reads several at once.
    """
    from ibis import util

    session: Any = getattr(con, "_session")  # noqa: B009 (Ibis keeps it private)
    name = util.gen_name("econsec_trade")
    try:
        df = session.read.parquet(*paths)
    except Exception as e:  # Spark's AnalysisException: a path it cannot see
        first = next((x for x in str(e).splitlines() if x.strip()), type(e).__name__)
        raise EngineError(f"Spark cannot read {', '.join(paths)}: {first.strip()}") from None
    df.createOrReplaceTempView(name)
    return con.table(name)
