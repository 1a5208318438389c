"""dbt's `modules` for sqlfluff's jinja templater (`modules.re` ...). Not used by dbt itself."""

import datetime  # noqa: F401
import re  # noqa: F401
