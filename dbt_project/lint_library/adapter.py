"""`adapter.dispatch` for sqlfluff's jinja templater: picks the duckdb__ implementation of a
project macro, as dbt-duckdb does. Not used by dbt itself."""

import jinja2


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    for candidate in (f"duckdb__{macro_name}", f"default__{macro_name}"):
        macro = context.get(candidate)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__ or default__ implementation of macro {macro_name!r}")
