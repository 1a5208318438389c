"""`adapter.dispatch` for sqlfluff's jinja templater: picks the duckdb__ implementation of a
project macro, as dbt-duckdb does; and an offline `adapter.get_columns_in_relation`. Not used by dbt
itself."""

import jinja2


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    for candidate in (f"duckdb__{macro_name}", f"default__{macro_name}"):
        macro = context.get(candidate)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__ or default__ implementation of macro {macro_name!r}")


def get_columns_in_relation(relation):
    """Offline there is no database: no relation has columns (a model branching on an optional column
    lints its branch without it)."""
    return []
