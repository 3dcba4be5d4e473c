"""The one rule for a test whose outside part is missing: skip with the reason, but fail under CI.

CI must run every test (the data, the sound server, the X server, the demo call are all there), so a skip there
would hide a broken set-up; on a developer's machine a missing part is only a reason to skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(why: str, *, what: str) -> NoReturn:
    """Skips with `why` (what is missing and how to provide it); under CI (CI set) fails instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI must run the {what} tests)")
    pytest.skip(why)
