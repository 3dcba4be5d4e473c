"""Faults a user met running the real `calmcue` commands (the QA pass of issue qa4): each test runs the command
as a subprocess on real files and checks the exit code, the one line on stderr and what is left on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import RATE, speech_with_pauses


@pytest.fixture(autouse=True)
def own_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' settings, data, policy and log files live in the test's folder, never the user's."""
    monkeypatch.setenv("CALMCUE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALMCUE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALMCUE_POLICY_FILE", str(tmp_path / "no-policy.toml"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CALMCUE_ACTIVITY", "classic")


def calmcue(*args: str | Path, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "calmcue", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout_s)


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "call.flac"
    sf.write(path, speech_with_pauses(turns=2), RATE)
    return path


# --- analyze: where the results are written ---------------------------------------------------------------------

def test_json_onto_the_recording_itself_is_refused_and_the_recording_kept(recording: Path) -> None:
    before = recording.read_bytes()
    line = assert_one_clear_line(calmcue("analyze", recording, "--json", recording.parent / "." / recording.name),
                                 2, "--json", "call.flac")
    assert "replace" in line
    assert recording.read_bytes() == before


def test_json_onto_the_far_end_or_the_plot_is_refused(recording: Path, tmp_path: Path) -> None:
    far = tmp_path / "far.wav"
    sf.write(far, speech_with_pauses(turns=2, seed=3), RATE)
    before = far.read_bytes()
    assert_one_clear_line(calmcue("analyze", recording, "--far-end", far, "--json", far), 2, "far.wav")
    assert far.read_bytes() == before
    same = tmp_path / "out.png"
    assert_one_clear_line(calmcue("analyze", recording, "--json", same, "--plot", same), 2, "--plot", "--json")
    assert not same.exists()


def test_json_or_plot_onto_a_folder_is_one_line_before_any_work(recording: Path, tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    assert_one_clear_line(calmcue("analyze", recording, "--json", folder), 2, "--json", "is a folder")
    assert_one_clear_line(calmcue("analyze", recording, "--plot", folder), 2, "--plot", "is a folder")
    assert list(folder.iterdir()) == []


def test_json_where_nothing_can_be_written_is_one_line(recording: Path) -> None:
    """/proc takes no new files, even from root: the write fails however the permissions look."""
    assert_one_clear_line(calmcue("analyze", recording, "--json", "/proc/calmcue-test.json"), 2,
                          "/proc/calmcue-test.json", "cannot be written")


def test_plot_in_a_format_that_cannot_be_drawn_is_refused_before_any_work(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "timeline.wav"
    assert_one_clear_line(calmcue("analyze", recording, "--plot", out), 2, "--plot", ".png")
    assert not out.exists()


def test_plot_without_an_extension_is_a_png_and_the_summary_names_the_file_written(recording: Path,
                                                                                  tmp_path: Path) -> None:
    proc = calmcue("analyze", recording, "--plot", tmp_path / "timeline")
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / "timeline.png"
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"timeline plot: {written}" in proc.stdout


# --- monitor: its numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds", ["0", "-1", "nan"])
def test_monitor_seconds_that_are_not_a_positive_time_are_refused(recording: Path, seconds: str) -> None:
    """--seconds 0 ran until Ctrl-C; -1 and nan stopped at once with exit 0, as if they had run."""
    proc = calmcue("monitor", "--file", recording, "--speed", "50", f"--seconds={seconds}", timeout_s=60)
    assert_one_clear_line(proc, 2, "--seconds")
    assert proc.stdout == ""


def test_monitor_speed_zero_is_refused_not_played_in_real_time(recording: Path) -> None:
    proc = calmcue("monitor", "--file", recording, "--speed", "0", timeout_s=60)
    assert_one_clear_line(proc, 2, "--speed 0")
    assert "playing" not in proc.stdout


def test_monitor_speed_without_a_file_is_refused(tmp_path: Path) -> None:
    """--speed only applies to --file: given alone it was silently ignored (and the devices opened)."""
    assert_one_clear_line(calmcue("monitor", "--speed", "3", "--seconds", "1", timeout_s=60), 2, "--speed", "--file")


def test_monitor_config_stands_in_for_the_user_file_under_the_machine_policy(tmp_path: Path) -> None:
    """--config replaced the user's settings and the machine policy with them, so any agent could lift a key
    IT had enforced. Seen through the calibration length: 5 s of speech from --config ends calibration within
    this recording ([listening]); 120 s enforced by the policy keeps it learning to the end."""
    speech = tmp_path / "speech.flac"
    sf.write(speech, speech_with_pauses(turns=6), RATE)
    config = tmp_path / "mine.toml"
    config.write_text("[detector.baseline]\ncalibration_speech_s = 5.0\n")
    run = ("monitor", "--file", speech, "--speed", "50", "--config", config)
    free = calmcue(*run, timeout_s=120)
    assert free.returncode == 0, free.stderr
    assert "[listening]" in free.stdout
    (tmp_path / "no-policy.toml").write_text("[enforced]\ndetector.baseline.calibration_speech_s = 120.0\n")
    locked = calmcue(*run, timeout_s=120)
    assert locked.returncode == 0, locked.stderr
    assert "[calibrating]" in locked.stdout and "[listening]" not in locked.stdout


def test_monitor_config_with_a_bad_key_is_still_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[detector.baseline]\ncalibration_speech_s = 1.0\n")
    assert_one_clear_line(calmcue("monitor", "--config", config, timeout_s=60), 2, "calibration_speech_s", "5 .. 120")


# --- config -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--user", "--policy"])
def test_config_show_with_a_file_that_is_not_there_says_so(tmp_path: Path, option: str) -> None:
    """A mistyped --user or --policy path printed the built-in defaults as the effective settings, exit 0."""
    typo = tmp_path / "setings.toml"
    proc = calmcue("config", "show", option, typo)
    assert_one_clear_line(proc, 2, option, "setings.toml", "not found")
    assert proc.stdout == ""


# --- analyze: damaged input -------------------------------------------------------------------------------------

def test_nan_samples_are_placed_where_they_are(tmp_path: Path) -> None:
    """The line said 'near 3.0 s' (the end of the 1 s block being read) for a NaN at 2.5 s."""
    data = speech_with_pauses(turns=2)
    data[int(2.5 * RATE)] = np.nan
    data[int(3.2 * RATE)] = np.inf
    path = tmp_path / "damaged.wav"
    sf.write(path, data, RATE, subtype="FLOAT")
    assert_one_clear_line(calmcue("analyze", path), 2, "damaged.wav", "NaN or infinite", "at 2.50 s")


# --- bench: where the figures are written -----------------------------------------------------------------------

def test_bench_json_onto_a_folder_is_refused_before_measuring(tmp_path: Path) -> None:
    """It measured for a minute, then could not write; the check is up front now (the timeout would catch a run)."""
    folder = tmp_path / "results"
    folder.mkdir()
    assert_one_clear_line(calmcue("bench", "--quick", "--no-progress", "--json", folder, timeout_s=30), 2,
                          "--json", "is a folder")


@pytest.mark.parametrize("name", ["figures.md", "figures.png"])
def test_bench_json_named_like_its_own_report_or_chart_is_refused(tmp_path: Path, name: str) -> None:
    """--json OUT writes OUT.md and OUT.png beside it: OUT named .md or .png was overwritten by the JSON."""
    assert_one_clear_line(calmcue("bench", "--quick", "--no-progress", "--json", tmp_path / name, timeout_s=30), 2,
                          "--json", name, ".json")


# --- monitor: where it writes -----------------------------------------------------------------------------------

def test_monitor_events_onto_the_recording_played_is_refused_and_the_recording_kept(recording: Path) -> None:
    """--events-jsonl was opened (emptied) before --file was read: the recording was lost, then 'empty file'."""
    before = recording.read_bytes()
    assert_one_clear_line(calmcue("monitor", "--file", recording, "--events-jsonl", recording, timeout_s=60), 2,
                          "--events-jsonl", "replace")
    assert recording.read_bytes() == before


def test_monitor_stats_onto_a_folder_is_refused_before_it_runs(recording: Path, tmp_path: Path) -> None:
    proc = calmcue("monitor", "--file", recording, "--speed", "50", "--stats-json", tmp_path, timeout_s=60)
    assert_one_clear_line(proc, 2, "--stats-json", "is a folder")
    assert proc.stdout == ""


# --- history ----------------------------------------------------------------------------------------------------

def test_history_command_says_when_it_set_a_damaged_history_aside(tmp_path: Path) -> None:
    """It printed 'No calls yet' (exit 0) with nothing about the calls the damaged file held; the log alone knew."""
    calls = tmp_path / "data" / "calls.json"
    calls.parent.mkdir(parents=True)
    calls.write_text('{"schema": 1, "calls": [{"seq": 1, "ended_unix": "yester')
    proc = calmcue("history")
    assert proc.returncode == 0, proc.stderr
    aside = list(calls.parent.glob("calls.json.bad-*"))
    assert len(aside) == 1
    line = assert_one_clear_line(proc, 0, "damaged", aside[0].name)
    assert str(calls) in line or "call history" in line


def test_a_history_set_aside_never_replaces_one_set_aside_before(tmp_path: Path) -> None:
    """Copies set aside were named by the second: a second damaged file in the same second replaced the first."""
    import time

    from calmcue.history.store import CallHistory

    calls = tmp_path / "calls.json"
    now = time.time()
    earlier = [calls.with_name(f"calls.json.bad-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now + d))}")
               for d in (0, 1, 2)]
    for old in earlier:
        old.write_text("set aside before")
    calls.write_text("damaged now")
    assert CallHistory(calls).records == []
    assert [old.read_text() for old in earlier] == ["set aside before"] * 3
    kept = sorted(p.read_text() for p in tmp_path.glob("calls.json.bad-*"))
    assert kept == ["damaged now"] + ["set aside before"] * 3


@pytest.mark.parametrize("text", [None, "[overlay\n"])
def test_config_check_of_a_file_it_cannot_read_is_one_line_without_talk_of_keys(tmp_path: Path,
                                                                              text: str | None) -> None:
    """A missing or broken file got a second line, '1 problem(s); CalmCue ignores these keys', for a file whose
    keys were never read: the whole file is what is left out."""
    path = tmp_path / "settings.toml"
    if text is not None:
        path.write_text(text)
    line = assert_one_clear_line(calmcue("config", "check", path), 2, "settings.toml")
    assert "these keys" not in line


# --- monitor: devices chosen in the settings ----------------------------------------------------------------------

@pytest.mark.parametrize(("key", "name"), [("mic", "Old USB Headset"), ("call", "gone.monitor")])
def test_monitor_names_the_setting_when_the_device_it_chose_is_gone(tmp_path: Path, key: str, name: str) -> None:
    """'calmcue monitor' with no options said "no microphone 'Old USB Headset'" as if the user had typed the name;
    it came from the settings file, which the line now names with the key to change."""
    from needs import missing

    if os.environ.get("CALMCUE_PULSE") != "1":
        missing("needs a sound server with devices (run under scripts/with_services.sh)", what="device")
    settings = tmp_path / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text(f'[audio]\n{key} = "{name}"\n')
    line = assert_one_clear_line(calmcue("monitor", "--seconds", "1", timeout_s=60), 3, name, f"audio.{key}",
                                 str(settings))
    assert f"--{key}" in line


def test_a_policy_file_given_as_settings_is_named_as_such(recording: Path, tmp_path: Path) -> None:
    """'--config /etc/xdg/calmcue/policy.toml' said "unknown setting 'defaults.detector.sensitivity'", as if the
    key were misspelt."""
    policy = tmp_path / "policy.toml"
    policy.write_text('[defaults]\ndetector.sensitivity = "gentle"\n[enforced]\noverlay.min_gap_s = 30.0\n')
    line = assert_one_clear_line(calmcue("analyze", recording, "--config", policy), 2, "policy.toml", "policy file")
    assert "unknown setting" not in line


# --- a damaged recording played as if live -----------------------------------------------------------------------

@pytest.mark.parametrize("command", [("monitor", "--speed", "50"), ("demo", "--speed", "50")])
def test_a_damaged_recording_played_live_is_one_line_not_endless_restarts(tmp_path: Path, command: tuple[str, ...],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """monitor/demo --file with NaN samples part-way: the engine met them while playing, called it an unexpected
    error and restarted the source every 0.5 s, forever (the header check at the start had passed)."""
    data = speech_with_pauses(turns=2)
    data[int(2.5 * RATE)] = np.nan
    path = tmp_path / "damaged.wav"
    sf.write(path, data, RATE, subtype="FLOAT")
    monkeypatch.delenv("DISPLAY", raising=False)  # the demo in the terminal, not in a window
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    proc = calmcue(command[0], "--file", path, *command[1:], timeout_s=60)
    assert_one_clear_line(proc, 2, "damaged.wav", "NaN or infinite", "at 2.50 s")


def test_a_stereo_far_end_file_is_told_it_must_be_mono(recording: Path, tmp_path: Path) -> None:
    """It said 'has 2 channels; CalmCue reads mono, or stereo with the agent on channel 0 ...' - stereo is what
    the file was, so the line read as a contradiction."""
    far = tmp_path / "far.wav"
    sf.write(far, np.zeros((RATE, 2), np.float32), RATE)
    line = assert_one_clear_line(calmcue("analyze", recording, "--far-end", far), 2, "far.wav", "2 channels",
                                 "--far-end", "mono")
    assert "or stereo" not in line


def test_a_second_unreadable_settings_file_is_kept_beside_the_first(tmp_path: Path) -> None:
    """Writing settings keeps an unparsable settings.toml as settings.toml.bad, so nothing typed is lost; a second
    broken edit replaced the first one kept."""
    from calmcue.config.writer import write_user_settings

    path = tmp_path / "settings.toml"
    for typed in ("[overlay\nmin_gap_s = 5\n", "[detector\nsensitivity = 'strict'\n"):
        path.write_text(typed)
        write_user_settings(path, {"overlay.corner": "top-left"})
    kept = sorted(p.read_text() for p in tmp_path.glob("settings.toml.bad*"))
    assert kept == sorted(["[overlay\nmin_gap_s = 5\n", "[detector\nsensitivity = 'strict'\n"])
    assert 'corner = "top-left"' in path.read_text()


def test_saving_settings_keeps_a_copy_of_hand_typed_keys_it_cannot_use(tmp_path: Path) -> None:
    """A settings.toml that parses but has a bad key (a typo, a value out of range) was rewritten with the good
    keys only: the line the user typed was gone, with no copy kept."""
    from calmcue.config.writer import read_user_values, write_user_settings

    path = tmp_path / "settings.toml"
    typed = '[overlay]\nmin_gap_s = 5000\ncorner = "top-left"\n[detectr]\nsensitivity = "strict"\n'
    path.write_text(typed)
    write_user_settings(path, {**read_user_values(path), "overlay.show_s": 8.0})
    assert [p.read_text() for p in tmp_path.glob("settings.toml.bad*")] == [typed]
    assert read_user_values(path) == {"overlay.corner": "top-left", "overlay.show_s": 8.0}
    write_user_settings(path, {"overlay.show_s": 9.0})  # a good file replaced: no copy
    assert len(list(tmp_path.glob("settings.toml.bad*"))) == 1


def test_a_misspelt_key_is_answered_with_the_key_meant(tmp_path: Path) -> None:
    """A misspelt key got only "'calmcue config keys' lists every key" (66 of them) - the admin had to hunt."""
    path = tmp_path / "policy.toml"
    path.write_text("[enforced]\noverlay.min_gap = 30.0\ndetector.talkover.enabled = false\nzzz.qqq = 1\n")
    proc = calmcue("config", "check", path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert "did you mean overlay.min_gap_s?" in lines[0]
    assert "did you mean detector.talk_over.enabled?" in lines[1]
    assert "zzz.qqq" in lines[2] and "did you mean" not in lines[2]


def test_the_demo_in_the_terminal_starts_from_the_demo_voice_like_the_windowed_one(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch
                                                                                    ) -> None:
    """'calmcue demo' without a display played the whole call and learnt the demo voice first ('[calibrating]
    learning your usual voice'): the first cue came at 39 s, where its help (and the windowed demo) start from
    the demo voice's saved baseline and cue within seconds. The agent's own calibration stays untouched."""
    from calmcue.config.paths import shipped_demo_file

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    proc = calmcue("demo", "--file", shipped_demo_file(), "--speed", "20", timeout_s=120)
    assert proc.returncode == 0, proc.stderr
    assert "[calibrating]" not in proc.stdout
    first_cue_s = next(float(line.split()[0]) for line in proc.stdout.splitlines() if " CUE " in line)
    assert first_cue_s < 10.0, proc.stdout
    assert not (tmp_path / "data" / "baseline.json").exists()
