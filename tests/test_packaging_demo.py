"""The demo call ships inside the package (so `pip install calmcue` can run `calmcue demo` without espeak-ng),
and the shipped file is exactly what scripts/make_demo.py makes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from calmcue.demo import shipped_demo, shipped_events

REPO = Path(__file__).resolve().parents[1]


def test_the_shipped_demo_call_matches_what_the_script_makes(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is missing (make sysdeps)")
        pytest.skip("espeak-ng is missing (make sysdeps)")
    fresh = tmp_path / "demo_call.flac"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo.py"), "--out", str(fresh)], check=True,
                   capture_output=True, timeout=300)
    ours, rate = sf.read(shipped_demo(), dtype="int16")
    theirs, fresh_rate = sf.read(fresh, dtype="int16")
    assert rate == fresh_rate == 16000 and ours.shape[1] == 2
    assert np.array_equal(ours, theirs), "run 'make demo-asset' after changing scripts/make_demo.py"
    assert shipped_events().read_text() == fresh.with_name("demo_call.events.json").read_text()
    plan, fresh_plan = (json.loads(path.with_name("demo_call.baseline.json").read_text())
                        for path in (shipped_demo(), fresh))
    assert plan.keys() == fresh_plan.keys() and plan["start_s"] == fresh_plan["start_s"]
    assert plan["agent"] == pytest.approx(fresh_plan["agent"], abs=0.01), "run 'make demo-asset'"


def test_the_wheel_carries_the_demo_call() -> None:
    wheels = sorted((REPO / "build" / "pkg" / "wheel").glob("calmcue-*.whl"))
    if not wheels:
        if os.environ.get("CI"):
            pytest.fail("no wheel in build/pkg/wheel: run 'make package'")
        pytest.skip("no wheel in build/pkg/wheel: run 'make package'")
    names = set(zipfile.ZipFile(wheels[-1]).namelist())
    assert {"calmcue/demo/demo_call.flac", "calmcue/demo/demo_call.events.json",
            "calmcue/demo/demo_call.baseline.json"} <= names
