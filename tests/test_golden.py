"""`calmcue analyze --json` stays byte-for-byte the same through refactors (issue 8: behaviour kept identical).

The goldens under tests/golden/ were recorded from the code before the architecture work: episodes, cues and
stats as they are, and a sha256 digest of every per-frame array (numbers only, never audio). To record them again
after a deliberate change of the engine's output, run `python tests/test_golden.py` and say why in the commit.
Keys may only be added (schema stays 1): issue 10 added `calls` (each call's numbers-only summary), recorded into
the goldens beside the parts that were already there.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import data_dir

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
DEMO = REPO / "build" / "demo" / "demo_call.wav"
AMI_EXCERPT = Path("ami") / "trn00.wav"  # relative to CALMCUE_DATA


def analyze_json(wav: Path) -> dict[str, Any]:
    """The real command line, as a user runs it: `calmcue analyze WAV --json -`."""
    done = subprocess.run([sys.executable, "-m", "calmcue", "analyze", str(wav), "--json", "-", "--no-progress"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def digest(values: list[Any]) -> str:
    """sha256 of an array as the JSON holds it (rounded numbers, null for NaN)."""
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What the golden keeps: everything but the version string, with the per-frame arrays as digests."""
    frames = doc["frames"]
    digests = {"t_s": digest(frames["t_s"]), "count": len(frames["t_s"])}
    for speaker in ("agent", "customer"):
        for key, values in frames.get(speaker, {}).items():
            digests[f"{speaker}.{key}"] = digest(values)
    return {"head": {k: doc[k] for k in ("schema", "sample_rate", "hop_s")}, "episodes": doc["episodes"],
            "cues": doc["cues"], "calls": doc["calls"], "stats": doc["stats"], "frame_digests": digests}


def _compare(wav: Path, golden_name: str) -> None:
    expected = json.loads((GOLDEN / golden_name).read_text())
    actual = summary(analyze_json(wav))
    for part in ("head", "episodes", "cues", "calls", "stats", "frame_digests"):
        assert actual[part] == expected[part], f"{golden_name}: '{part}' differs from the recorded golden"


def test_demo_call_analysis_matches_golden() -> None:
    if not DEMO.exists():
        from needs import missing

        missing(f"the demo call {DEMO} is not built; run 'make demo'", what="demo")
    _compare(DEMO, "demo_call.json")


@pytest.mark.data
def test_real_recording_analysis_matches_golden(shared_data: Path) -> None:
    _compare(shared_data / AMI_EXCERPT, "ami_trn00.json")


def record() -> None:
    """Writes the goldens from the code as it is now."""
    GOLDEN.mkdir(exist_ok=True)
    for wav, name in ((DEMO, "demo_call.json"), (data_dir() / AMI_EXCERPT, "ami_trn00.json")):
        text = json.dumps(summary(analyze_json(wav)), indent=1, sort_keys=True)
        (GOLDEN / name).write_text(text + "\n", encoding="utf-8")
        print(f"recorded {GOLDEN / name} from {wav}")


if __name__ == "__main__":
    record()
