"""`calmcue analyze`: the JSON contract and every kind of bad input, through the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import CALM, RAISED, RATE, speech_with_pauses

pytestmark = pytest.mark.usefixtures("classic_activity")


def calmcue(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "calmcue", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture(scope="module")
def session_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    agent = np.concatenate([speech_with_pauses(turns=10, **CALM), speech_with_pauses(turns=2, seed=40, **RAISED)])
    customer = np.roll(speech_with_pauses(turns=12, seed=70, f0_hz=210.0), 3000)[: len(agent)] * 0.5
    path = tmp_path_factory.mktemp("audio") / "call.wav"
    sf.write(path, np.stack([agent, customer], axis=1), RATE, subtype="PCM_16")
    return path


def test_json_contract(session_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    proc = calmcue("analyze", session_wav, "--json", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["schema"] == 1 and doc["sample_rate"] == 16000 and doc["hop_s"] == 0.01
    assert doc["calmcue_version"]
    frames = doc["frames"]
    n = len(frames["t_s"])
    assert frames["t_s"][0] == 0.01 and n == pytest.approx(sf.info(session_wav).frames / 160, abs=2)
    for speaker in ("agent", "customer"):
        assert set(frames[speaker]) == {"level_dbfs", "f0_hz", "speech_prob", "tilt_db", "music_prob"}
        assert all(len(v) == n for v in frames[speaker].values())
        assert None in frames[speaker]["f0_hz"]  # unvoiced frames are null, not NaN
    raised = [e for e in doc["episodes"] if e["kind"] == "raised_voice" and e["speaker"] == "agent"]
    assert raised and raised[0]["end_s"] > raised[0]["start_s"]
    cue = next(c for c in doc["cues"] if c["kind"] == "raised_voice")
    assert cue["message"] == "Lower your voice - stay calm"
    assert cue["evidence"]["level_over_baseline_db"] > 8 and "duration_s" in cue["evidence"]
    assert set(doc["stats"]["speech_s"]) == {"agent", "customer"}
    assert doc["stats"]["baseline"]["agent"]["level_dbfs"] == pytest.approx(-30, abs=3)
    assert doc["stats"]["dropped_blocks"] == 0


def test_json_to_stdout_without_frames(session_wav: Path) -> None:
    proc = calmcue("analyze", session_wav, "--json", "-", "--no-frames")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert "frames" not in doc and doc["cues"]


def test_mono_file_with_far_end_file_equals_the_stereo_file(session_wav: Path, tmp_path: Path) -> None:
    data, rate = sf.read(session_wav, dtype="float32")
    sf.write(tmp_path / "agent.wav", data[:, 0], rate, subtype="FLOAT")
    sf.write(tmp_path / "customer.flac", data[:, 1], rate)
    stereo = json.loads(calmcue("analyze", session_wav, "--json", "-", "--no-frames").stdout)
    split = json.loads(calmcue("analyze", tmp_path / "agent.wav", "--far-end", tmp_path / "customer.flac",
                               "--json", "-", "--no-frames").stdout)
    assert [(e["kind"], e["speaker"]) for e in split["episodes"]] == \
        [(e["kind"], e["speaker"]) for e in stereo["episodes"]]


def test_plot_is_written(session_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "timeline.png"
    proc = calmcue("analyze", session_wav, "--plot", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_saved_baseline_is_used(session_wav: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    calmcue("analyze", session_wav, "--json", first, "--no-frames")
    proc = calmcue("analyze", session_wav, "--baseline", first, "--json", "-", "--no-frames")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["stats"]["baseline"]["agent"]["level_dbfs"] == pytest.approx(-30, abs=3)


def test_config_file_changes_the_detector(session_wav: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[detector.raised_voice]\nenabled_agent = false\n")
    doc = json.loads(calmcue("analyze", session_wav, "--config", config, "--json", "-", "--no-frames").stdout)
    assert not [c for c in doc["cues"] if c["kind"] == "raised_voice" and c["speaker"] == "agent"]
    assert [e for e in doc["episodes"] if e["kind"] == "raised_voice"]  # judged, just not shown


def test_help_and_version() -> None:
    assert calmcue("--version").stdout.startswith("calmcue ")
    text = calmcue("analyze", "--help").stdout
    for option in ("--far-end", "--json", "--plot", "--config", "--baseline", "--no-frames"):
        assert option in text


# --- bad input: one clear line, exit 2, nothing lost -----------------------------------------------------------

def write(path: Path, data: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> Path:
    sf.write(path, data, rate, subtype=subtype)
    return path


def test_missing_file(tmp_path: Path) -> None:
    assert_one_clear_line(calmcue("analyze", tmp_path / "nope.wav"), 2, "no such file")


def test_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("these are meeting notes, not audio\n" * 20)
    assert_one_clear_line(calmcue("analyze", path), 2, "not a readable audio file")


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    assert_one_clear_line(calmcue("analyze", path), 2, "empty")


def test_truncated_header(tmp_path: Path) -> None:
    good = write(tmp_path / "good.wav", speech_with_pauses(turns=1))
    bad = tmp_path / "truncated.wav"
    bad.write_bytes(good.read_bytes()[:30])
    assert_one_clear_line(calmcue("analyze", bad), 2, "truncated.wav")


def test_a_wav_cut_short_is_analysed_with_one_line_saying_so(tmp_path: Path) -> None:
    """The header promises 1.4 s, the file holds 8 samples: analysed as far as it goes, exit 0, and one line."""
    good = write(tmp_path / "good.wav", speech_with_pauses(turns=1)[: int(1.4 * RATE)])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[: 44 + 16])
    proc = calmcue("analyze", cut, "--json", "-", "--no-frames")
    assert_one_clear_line(proc, 0, "cut.wav", "truncated", "1.4 s", "0.0005 s")
    assert json.loads(proc.stdout)["cues"] == []
    assert calmcue("analyze", good).stderr == ""  # a whole file says nothing


def test_a_flac_cut_short_is_analysed_as_far_as_it_decodes_with_one_line_saying_so(tmp_path: Path) -> None:
    """A FLAC copy cut in half: its header promises 4 s; what decodes is analysed (exit 0, one line), as for a WAV;
    one cut inside its header cannot be decoded at all (exit 2, one line)."""
    good = tmp_path / "good.flac"
    sf.write(good, speech_with_pauses(turns=2)[: 4 * RATE], RATE)
    whole = good.read_bytes()
    cut, head = tmp_path / "cut.flac", tmp_path / "head.flac"
    cut.write_bytes(whole[: len(whole) // 2])
    head.write_bytes(whole[:100])
    proc = calmcue("analyze", cut, "--json", "-")
    assert_one_clear_line(proc, 0, "cut.flac", "truncated", "promises 4 s")
    assert 0.5 < json.loads(proc.stdout)["frames"]["t_s"][-1] < 3.5
    assert_one_clear_line(calmcue("analyze", head), 2, "head.flac", "cannot be decoded")
    assert calmcue("analyze", good).stderr == ""


def test_json_into_a_fifo_writes_into_it(session_wav: Path, tmp_path: Path) -> None:
    """A device or pipe as --json OUT (/dev/null, a fifo) is written into, never replaced by a file."""
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    proc = calmcue("analyze", session_wav, "--json", fifo, "--no-frames")
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert fifo.is_fifo() and not (tmp_path / "out.fifo.part").exists()
    assert json.loads(received[0])["schema"] == 1


def test_nan_samples(tmp_path: Path) -> None:
    data = speech_with_pauses(turns=2)
    data[20000:20010] = np.nan
    path = write(tmp_path / "nan.wav", data, subtype="FLOAT")
    assert_one_clear_line(calmcue("analyze", path), 2, "NaN or infinite")


def test_five_channels(tmp_path: Path) -> None:
    path = write(tmp_path / "five.wav", np.zeros((RATE, 5), np.float32))
    assert_one_clear_line(calmcue("analyze", path), 2, "5 channels", "channel 0")


def test_stereo_with_far_end(session_wav: Path, tmp_path: Path) -> None:
    far = write(tmp_path / "far.wav", speech_with_pauses(turns=1))
    assert_one_clear_line(calmcue("analyze", session_wav, "--far-end", far), 2, "--far-end")


def test_bad_config_value(session_wav: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[detector.raised_voice]\nlevel_enter_db = 99\n")
    assert_one_clear_line(calmcue("analyze", session_wav, "--config", config), 2, "level_enter_db", "0 .. 30")


def test_json_into_a_missing_folder(session_wav: Path, tmp_path: Path) -> None:
    assert_one_clear_line(calmcue("analyze", session_wav, "--json", tmp_path / "no" / "a.json"), 2, "does not exist")


def test_an_8_khz_file_is_analysed(tmp_path: Path) -> None:
    import soxr

    data = soxr.resample(np.concatenate([speech_with_pauses(turns=10, **CALM),
                                         speech_with_pauses(turns=2, seed=40, **RAISED)]), RATE, 8000)
    path = write(tmp_path / "phone.wav", data, rate=8000)
    doc = json.loads(calmcue("analyze", path, "--json", "-", "--no-frames").stdout)
    assert [c["kind"] for c in doc["cues"] if c["kind"] != "no_pause"] == ["raised_voice"]


@pytest.mark.parametrize("seconds", [0.0, 0.005, 30.0])
def test_empty_and_silent_files_are_valid(tmp_path: Path, seconds: float) -> None:
    path = write(tmp_path / "silent.wav", np.zeros(int(seconds * RATE), np.float32))
    proc = calmcue("analyze", path, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["cues"] == [] and doc["episodes"] == []
    assert len(doc["frames"]["t_s"]) == int(seconds * RATE) // 160


def test_a_two_hour_file_streams_in_flat_memory(tmp_path: Path) -> None:
    """Processing memory must not grow with the file: compare peak RSS for 10 minutes and 2 hours."""
    rng = np.random.default_rng(0)
    peaks = {}
    for minutes in (10, 120):
        path = tmp_path / f"{minutes}.flac"
        with sf.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as f:
            block = (rng.standard_normal(RATE * 60) * 1e-3).astype(np.float32)
            for _ in range(minutes):
                f.write(block)
        code = ("import resource, sys; from calmcue.cli import main; "
                f"rc = main(['analyze', r'{path}', '--json', r'{tmp_path / 'o.json'}', '--no-frames']); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr
        peaks[minutes] = int(proc.stdout.strip().splitlines()[-1]) / 1024
    assert peaks[120] < peaks[10] + 30, peaks  # MB: flat, not 12x
