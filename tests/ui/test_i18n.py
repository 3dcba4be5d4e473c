"""All user-visible text is translatable: Qt's pylupdate6 finds it, in the one context the app translates."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "src" / "calmcue" / "ui"
CUE_TEXTS = UI.parent / "detector" / "texts.py"  # the engine's one table of cue texts
LABELS = UI.parent / "config" / "labels.py"  # the one table of the settings' plain labels


def test_pylupdate_extracts_every_string_into_the_calmcue_context(tmp_path: Path) -> None:
    tool = shutil.which("pylupdate6", path=str(Path(sys.executable).parent)) or shutil.which("pylupdate6")
    if tool is None:
        pytest.fail("pylupdate6 (part of PyQt6) is missing from the environment")
    ts = tmp_path / "calmcue_xx.ts"
    subprocess.run([tool, *sorted(str(p) for p in UI.glob("*.py")), str(CUE_TEXTS), str(LABELS), "-ts", str(ts)],
                   check=True, capture_output=True, timeout=120)
    root = ET.parse(ts).getroot()
    contexts = {c.findtext("name"): [m.findtext("source") for m in c.iter("message")] for c in root.iter("context")}
    assert list(contexts) == ["CalmCue"], "a string in another context would never be translated"
    sources = set(contexts["CalmCue"])
    expected = ("Lower your voice - stay calm", "Let them vent - listen, don't interrupt",
                "%1 dB above your usual level", "Managed by your IT department", "Gentle", "Top left",
                "My voice rising", "Pause", "Snooze cues", "Nothing is recorded or sent.",
                "Learning your usual voice", "Delete my data…", "Your voice: loudness rise needed",
                "Raised voice", "much louder than your usual voice", "cues when a voice is a little raised")
    for text in expected:
        assert text in sources, text
    assert len(sources) > 100
