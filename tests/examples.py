"""How many random examples each property test (Hypothesis) runs.

`make test` and CI run every example a test asks for (NQP_EXAMPLES=full, or CI set); the working loop
(`pytest -m "not build"` and any other plain pytest run) runs a third of them, at least 10, so that
loop stays near its two-minute budget while the random panels are still drawn fresh each run.
`NQP_EXAMPLES=full pytest -m "not build"` runs them all without a build.
"""
from __future__ import annotations

import os

FULL = os.environ.get("NQP_EXAMPLES", "").lower() == "full" or bool(os.environ.get("CI"))
QUICK_SHARE, QUICK_MINIMUM = 3, 10


def examples(full: int) -> int:
    """`full` under make test and CI; a third of it (at least 10, at most `full`) otherwise."""
    return full if FULL else min(full, max(QUICK_MINIMUM, full // QUICK_SHARE))


def mode() -> str:
    return "full" if FULL else "quick (a third of each test's examples; NQP_EXAMPLES=full for all)"
