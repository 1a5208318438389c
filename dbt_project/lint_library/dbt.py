"""`dbt.*` cross-database macros for sqlfluff's jinja templater (.sqlfluff library_path).

Linting renders the models without dbt; these return what dbt-duckdb renders, so the linted SQL
is the SQL DuckDB runs. Not used by dbt itself.
"""


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_float():
    return "double"


def type_numeric():
    return "decimal(28, 6)"


def type_bigint():
    return "bigint"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"


def string_literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def escape_single_quotes(value):
    return str(value).replace("'", "''")
