"""A private PulseAudio server for the fault tests, started exactly as scripts/with_services.sh starts its own.

The arguments come from scripts/pulse-server.args (the same file the script reads), then the script's set-up is
repeated: default sink `speaker_sink`, default source `virtual_mic`, a low-latency reader on every source and a
suspend/resume of each sink (so that a new stream's first block is not 2 s late). `kill()` ends the server the
way a crash does (SIGKILL); `start()` again brings up the same server on the same socket, as a desktop's restart
does. Each test has its own server, so the shared one that the rest of the suite uses is never disturbed.

`Streams` samples, on a thread, which sources a process's capture streams read (pactl, every 0.1 s), so a test
can say that no source the user did not choose was ever read.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from needs import missing

REPO = Path(__file__).resolve().parents[1]
ARGS_FILE = REPO / "scripts" / "pulse-server.args"
SOURCES = ("virtual_mic", "speaker_sink.monitor", "call_mic", "call_far")
SINKS = ("mic_feed", "speaker_sink", "call_feed")
BOUND_S = 30.0


def _args(socket: Path) -> list[str]:
    lines = [ln.strip() for ln in ARGS_FILE.read_text().splitlines() if ln.strip()]
    return [ln.replace("${SOCKET}", str(socket)) for ln in lines]


def module_args() -> dict[str, str]:
    """`name=...` -> the module and its arguments, for every module the server loads (to reload one)."""
    out = {}
    for line in ARGS_FILE.read_text().splitlines():
        if line.startswith("--load="):
            module, _, rest = line[len("--load="):].partition(" ")
            match = re.search(r"(?:sink|source)_name=(\S+)", rest)
            if match:
                out[match.group(1)] = f"{module} {rest}"
    return out


def served(root: Path) -> Iterator[PulseServer]:
    """For a fixture: a started private server, stopped afterwards; without PulseAudio and parec the test skips
    (fails under CI)."""
    if os.environ.get("CALMCUE_PULSE") != "1" or shutil.which("parec") is None:
        missing("needs PulseAudio with pulseaudio-utils (run under scripts/with_services.sh)", what="fault")
    server = PulseServer(root)
    server.start()
    yield server
    server.stop()


class PulseServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.run_dir = root / "run"
        self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket = self.run_dir / "native"
        self.proc: subprocess.Popen[bytes] | None = None
        self.readers: list[subprocess.Popen[bytes]] = []
        self.starts = 0

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, PULSE_SERVER=f"unix:{self.socket}")

    def pactl(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=BOUND_S)
        if check and out.returncode != 0:
            raise AssertionError(f"pactl {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def start(self) -> None:
        env = dict(os.environ, XDG_RUNTIME_DIR=str(self.run_dir), HOME=str(self.root))
        env.pop("PULSE_SERVER", None)
        self.proc = subprocess.Popen(["pulseaudio", *_args(self.socket)], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + BOUND_S
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline and self.proc.poll() is None, "private PulseAudio did not start"
            time.sleep(0.1)  # polling a server's socket: there is no event to wait on
        self.pactl("set-default-sink", "speaker_sink")
        self.pactl("set-default-source", "virtual_mic")
        for source in SOURCES:
            self.readers.append(subprocess.Popen(["parec", "--raw", "--latency-msec=5", "-d", source],
                                                 env=self.env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL))
        while len(self.pactl("list", "short", "source-outputs").splitlines()) < len(SOURCES):
            assert time.monotonic() < deadline, "the readers did not connect"
            time.sleep(0.05)
        for sink in SINKS:
            self.pactl("suspend-sink", sink, "1")
            self.pactl("suspend-sink", sink, "0")
        self.starts += 1

    def kill(self) -> None:
        """The server dies as in a crash (SIGKILL); its readers go with it."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=BOUND_S)
            self.proc = None
        self._end_readers()

    def stop(self) -> None:
        self._end_readers()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=BOUND_S)
        self.proc = None

    def _end_readers(self) -> None:
        for reader in self.readers:
            if reader.poll() is None:
                reader.terminate()
            reader.wait(timeout=BOUND_S)
        self.readers = []

    # -- modules and streams --------------------------------------------------------------------------------
    def module_of(self, name: str) -> str:
        for line in self.pactl("list", "short", "modules").splitlines():
            index, _module, args = [*line.split("\t"), "", ""][:3]
            if re.search(rf"(?:sink|source)_name={re.escape(name)}(\s|$)", args):
                return index
        raise AssertionError(f"no module makes '{name}'")

    def unload(self, name: str) -> None:
        self.pactl("unload-module", self.module_of(name))

    def load(self, name: str) -> None:
        """Loads the module that makes `name` again, with the set-up `start` gives it: a low-latency reader on
        its source and a suspend/resume of the sinks (else a fresh null sink renders in 2 s blocks, and a new
        stream's first block comes that late: a property of the test rig, not of a headset)."""
        module, _, args = module_args()[name].partition(" ")
        self.pactl("load-module", module, *args.split())
        source = name if name in SOURCES else f"{name}.monitor"
        if source in SOURCES:
            self.readers.append(subprocess.Popen(["parec", "--raw", "--latency-msec=5", "-d", source],
                                                 env=self.env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + BOUND_S
            while not any(s == source for _, s in self._all_streams()):
                assert time.monotonic() < deadline, f"the reader on {source} did not connect"
                time.sleep(0.05)  # polling the server's stream list: it sends no event to this helper
        for sink in SINKS:
            self.pactl("suspend-sink", sink, "1", check=False)
            self.pactl("suspend-sink", sink, "0", check=False)

    def _all_streams(self) -> list[tuple[int, str]]:
        names = {line.split("\t")[0]: line.split("\t")[1]
                 for line in self.pactl("list", "short", "sources", check=False).splitlines() if "\t" in line}
        return [(int(line.split("\t")[0]), names.get(line.split("\t")[1], "?"))
                for line in self.pactl("list", "short", "source-outputs", check=False).splitlines() if "\t" in line]

    def streams(self, pids: set[int]) -> list[tuple[int, str]]:
        """(stream index, source name) of the capture streams of these processes, or of CalmCue's parec."""
        names = {line.split("\t")[0]: line.split("\t")[1]
                 for line in self.pactl("list", "short", "sources", check=False).splitlines() if "\t" in line}
        out = []
        for block in self.pactl("list", "source-outputs", check=False).split("\n\n"):
            index = re.search(r"Source Output #(\d+)", block)
            source = re.search(r"^\s*Source: (\d+)", block, re.M)
            pid = re.search(r'application\.process\.id = "(\d+)"', block)
            calmcue = 'application.name = "CalmCue"' in block
            if index and source and ((pid and int(pid.group(1)) in pids) or calmcue):
                out.append((int(index.group(1)), names.get(source.group(1), source.group(1))))
        return out


class Streams:
    """Samples the sources that `pid`'s capture streams read, every 0.1 s, until `stop`."""

    def __init__(self, server: PulseServer, pid: int) -> None:
        self.server, self.pid = server, pid
        self.seen: set[str] = set()
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._running:
            with contextlib.suppress(Exception):  # the server is down for a moment: nothing to sample
                self.seen.update(source for _, source in self.server.streams({self.pid}))
            time.sleep(0.1)  # a sampler, not a wait: it looks at the server at a steady pace

    def stop(self) -> set[str]:
        self._running = False
        self._thread.join(BOUND_S)
        return self.seen
