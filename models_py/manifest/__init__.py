"""The dbt manifest's `config.meta`, read once into typed declarations (models_py/manifest/reader.py).

fields.py holds the value parsers every declaration uses; it imports nothing of the project's
declarations so that estimator kinds can parse their own options with it.
"""
