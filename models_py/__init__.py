"""Python side of the NQP warehouse: ingestion, synthetic data, estimators, table helpers."""
