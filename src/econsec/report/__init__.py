"""Self-contained HTML reports (plotly bundled, readable offline)."""

from econsec.report.review import Review, build_review, write_review

__all__ = ["Review", "build_review", "write_review"]
