"""Dagster definitions of the warehouse: sources, dbt models, estimators, publish."""
