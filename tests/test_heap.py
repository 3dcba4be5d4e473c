"""engine/heap.py: the worker's malloc thresholds are set where glibc is, and refused or absent cleanly elsewhere."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from calmcue.engine import heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_thresholds_are_set_on_glibc() -> None:
    assert heap.keep_block_memory() is True


def test_no_c_library_is_a_quiet_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda _name: None)
    assert heap.keep_block_memory() is False
