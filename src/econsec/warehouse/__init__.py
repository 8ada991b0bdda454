"""The BACI warehouse: typed Parquet partitions, validated atomic ingest, synthetic releases."""
