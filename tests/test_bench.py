"""`calmcue bench`: it runs, writes its schema-1 JSON, report and chart, and scores pitch correctly.

Speed is never asserted here: the benchmark reports it, the tests only check that the figures exist and make sense.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calmcue.bench import pitch_accuracy as pa
from calmcue.bench.inputs import load_inputs
from calmcue.bench.report import README_END, README_START, update_readme
from calmcue.bench.stats import Series, summarise
from needs import missing

REQUIRED = ("pipeline_1ch_p50_us", "pipeline_1ch_p99_us", "pipeline_2ch_p50_us", "pipeline_2ch_p99_us",
            "pitch_p50_us", "librosa_yin_p50_us", "librosa_pyin_p50_us", "webrtcvad_p50_us", "silero_p50_us",
            "rtf_batch", "rtf_batch_2ch", "startup_s", "idle_rss_mb", "capture_floor_cpu_pct", "tray_listen_cpu_pct",
            "monitor_cpu_pct", "tray_idle_rss_mb", "monitor_latency_p99_ms")
# May be null on a machine without them (no package mirror for Silero, no sound server): then a reason is given.
OPTIONAL = ("silero_p50_us", "startup_s", "idle_rss_mb", "capture_floor_cpu_pct", "tray_listen_cpu_pct",
            "monitor_cpu_pct", "tray_idle_rss_mb", "monitor_latency_p99_ms")


def _calmcue(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "calmcue", *args], capture_output=True, text=True, timeout=600,
                          check=False)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    return _calmcue("bench", "--quick", "--rounds", "1", "--no-progress", "--json", str(out)), out


def test_quick_bench_writes_schema_1_keys(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = quick_run
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == 1
    assert doc["quick"] is True
    for key in REQUIRED:
        assert key in doc, key
        value = doc[key]
        if value is None and key in OPTIONAL:
            assert doc["notes"].get(key), f"{key} is null without a reason"
            continue
        assert isinstance(value, float | int) and math.isfinite(value) and value > 0, (key, value)
    assert doc["pipeline_2ch_p99_us"] >= doc["pipeline_2ch_p50_us"]
    assert doc["tray_idle_rss_mb"] == doc["idle_rss_mb"]
    if doc["monitor_latency_p99_ms"] is not None:
        assert doc["monitor_latency_p99_ms"] >= doc["monitor_latency_p50_ms"] > 0
    assert doc["librosa_yin_over_pitch_p50"] == pytest.approx(doc["librosa_yin_p50_us"] / doc["pitch_p50_us"],
                                                              rel=0.01)
    if doc["capture_floor_cpu_pct"] is not None:  # the floor names its stack, and the ratios are to it
        assert doc["capture_floor_stack"].split(";")[0] in doc["capture_floor_candidates"]
        assert doc["capture_floor_cpu_pct"] == min(v for v in doc["capture_floor_candidates"].values()
                                                   if isinstance(v, float | int))
        if doc["tray_listen_cpu_pct"] is not None:
            assert doc["tray_listen_over_floor"] == pytest.approx(
                doc["tray_listen_cpu_pct"] / doc["capture_floor_cpu_pct"], rel=0.02, abs=0.01)


def test_quick_bench_writes_report_and_chart(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = quick_run
    assert done.returncode == 0, done.stderr
    report = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| whole pipeline, 2 channels |" in report
    assert "librosa.yin" in report and "webrtcvad" in report
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "two channels, p50 per 10 ms hop" in done.stdout  # the goals table on the terminal


@pytest.mark.parametrize("args", [["--rounds", "0"], ["--json", "/no/such/folder/out.json"],
                                  ["--readme", "/no/such/README.md"]])
def test_bad_arguments_exit_2_with_one_line(args: list[str]) -> None:
    done = _calmcue("bench", "--quick", *args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_gross_pitch_error_and_voicing_error_known_answers() -> None:
    ref = np.array([100.0, 100.0, 200.0, np.nan, 0.0, 150.0])
    est = np.array([110.0, 130.0, 100.0, 120.0, np.nan, np.nan])
    # voiced in both: frames 0-2; 130 is 30 % off and 100 is an octave below 200: 2 gross errors
    assert pa.gross_error_counts(est, ref) == (2, 3)
    assert pa.gross_pitch_error(est, ref) == pytest.approx(200 / 3)
    # voicing differs on frame 3 (est voiced) and frame 5 (est unvoiced)
    assert pa.voicing_error_counts(est, ref) == (2, 6)
    assert pa.voicing_decision_error(est, ref) == pytest.approx(100 / 3)


def test_track_is_read_at_the_nearest_frame_centre() -> None:
    times = np.array([0.010, 0.020, 0.030])
    f0 = np.array([100.0, 200.0, 300.0])
    got = pa.at_times(times, f0, np.array([0.0, 0.006, 0.014, 0.016, 0.031, 0.05]))
    np.testing.assert_array_equal(got, [np.nan, 100.0, 100.0, 200.0, 300.0, np.nan])  # outside: NaN


def test_pick_files_alternates_speakers(tmp_path: Path) -> None:
    files = [tmp_path / f"{s}{i:03d}.wav" for s in ("rl", "sb") for i in range(1, 51)]
    picked = pa.pick_files(files, limit=4)
    assert [p.name[:2] for p in picked] == ["rl", "sb", "rl", "sb"]
    assert len({p.name for p in picked}) == 4


def test_summary_figures_and_median_over_rounds() -> None:
    one = summarise(np.arange(1, 1001) * 1000, audio_s=0.01)  # 1..1000 µs
    assert one.p50_us == pytest.approx(500.5)
    assert one.max_us == 1000.0
    assert one.core_pct == pytest.approx(100 * 500.5e-6 / 0.01)
    series = Series()
    for scale in (1, 3, 2):
        series.add(np.full(10, 1000 * scale), audio_s=0.01)
    summary = series.summary()
    assert summary is not None and summary.p50_us == pytest.approx(2.0)


def test_readme_block_replaced_between_markers_or_in_benchmarks_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# X\n\n## Benchmarks\n\nFigures are filled in by `make bench`.\n\n## Licence\n\nGPL\n")
    update_readme(readme, f"{README_START}\nfirst\n{README_END}")
    update_readme(readme, f"{README_START}\nsecond\n{README_END}")
    text = readme.read_text()
    assert "second" in text and "first" not in text and "Figures are filled in" not in text
    assert text.count(README_START) == 1 and text.endswith("## Licence\n\nGPL\n")


def test_synthetic_input_without_data_is_speech_like() -> None:
    inputs = load_inputs(None, seconds=6.0)
    assert "synthetic" in inputs.source
    assert inputs.stereo.shape == (96000, 2) and inputs.stereo.dtype == np.float32
    assert not np.array_equal(inputs.agent, inputs.customer)
    frames = inputs.agent[: 96000 // 160 * 160].reshape(-1, 160)
    level_db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20)
    assert np.abs(inputs.agent).max() < 1.0
    assert (level_db > -40).mean() > 0.2  # speech
    assert (level_db < -55).mean() > 0.1  # pauses at the noise floor


def test_the_apps_cpu_counts_their_child_processes_live_and_reaped() -> None:
    """The tray's and the monitor's figures include their parec readers: a child's CPU counts while it runs and
    after it was reaped (the parent's cutime), and a process's own CPU alone leaves it out."""
    from calmcue.bench.listen import cpu_s, family_cpu_s

    spin = ("import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
            "print('spun', flush=True)")
    parent = ("import subprocess, sys\n"
              f"child = subprocess.Popen([sys.executable, '-c', {spin!r} + '\\nsys.stdin.read()'], "
              "stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)\n"
              "print(child.stdout.readline().strip(), flush=True)\n"
              "sys.stdin.readline()\nchild.stdin.close()\nchild.wait()\nprint('reaped', flush=True)\n"
              "sys.stdin.readline()\n")
    proc = subprocess.Popen([sys.executable, "-c", parent], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "spun"  # the child has used 0.3 s of CPU and now waits
        live = family_cpu_s(proc.pid) - cpu_s(proc.pid)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "reaped"
        reaped = family_cpu_s(proc.pid) - cpu_s(proc.pid)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    # the reaped child is in the parent's cutime, whole clock ticks sampled by the kernel, which can fall short of
    # the run time the live figure reads in ns by more than one tick (CI: 0.30 against 0.315 s)
    tick_s = 1.0 / os.sysconf("SC_CLK_TCK")
    assert live >= 0.25 and reaped >= live - max(3 * tick_s, 0.1 * live)


def test_cpu_s_reads_finer_than_the_clock_tick() -> None:
    """A bare capture uses about one 10 ms tick in the quick bench's 3 s spans: the CPU read must not round a
    process's time to whole ticks (then the floor reads 0 and its ratios have nothing to divide by)."""
    from calmcue.bench.listen import cpu_s

    if not any(Path("/proc/self/task").glob("*/schedstat")):
        pytest.skip("this kernel keeps no per-thread run time (/proc/PID/task/*/schedstat)")
    spin = ("import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 0.045: pass\n"
            "print(time.process_time(), flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", spin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        own = float(proc.stdout.readline())  # the child's own CPU clock (ns resolution), then it waits
        read = cpu_s(proc.pid)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert own <= read < own + 0.004  # a tick-based figure is up to 10 ms under


def _streams_by_program(described: str) -> dict[str, int]:
    """"4 (pacat x3, softphone x1)" -> {"pacat": 3, "softphone": 1}; "none" -> {}."""
    if described == "none":
        return {}
    inner = described.split("(", 1)[1].rstrip(")")
    return {name: int(count) for name, count in (part.rsplit(" x", 1) for part in inner.split(", "))}


def test_other_capture_streams_counts_a_reader_of_the_server() -> None:
    """The report says which other clients capture from the sound server while the floor and the apps run (they
    set every capture's packet size): a `parec` started here (its program is pacat) is counted once more."""
    import shutil
    import time

    from calmcue.bench.listen import other_capture_streams

    if os.environ.get("CALMCUE_PULSE") != "1" or shutil.which("parec") is None:
        missing("no PulseAudio server with parec (run under scripts/with_services.sh)", what="pulse")
    before = _streams_by_program(other_capture_streams())
    reader = subprocess.Popen(["parec", "--raw", "--latency-msec=50", "/dev/null"], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10.0
        while (now := _streams_by_program(other_capture_streams())) == before and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        reader.terminate()
        reader.wait(timeout=10)
    assert now == {**before, "pacat": before.get("pacat", 0) + 1}, (before, now)
