"""Estimator kinds: one module per `estimator:` a table column may declare (see registry.py)."""
