#!/usr/bin/env bash
# CPU per thread of the tray app listening to its default devices, and its resident memory (issue 15).
#
#   bash scripts/with_services.sh bash benchmarks/tray_threads.sh [SECONDS]      # from the repository root
#   PYTHONPATH=/tmp/old/src bash scripts/with_services.sh bash benchmarks/tray_threads.sh   # another version
#
# Starts `calmcue tray` (Qt offscreen, or the platform TRAY_QPA names, e.g. xcb on the X display with_services.sh
# starts; private settings and data folders), waits 12 s, reads every thread's user +
# system time from /proc/PID/task/TID/stat twice SECONDS (default 20) apart, names the threads with py-spy when it
# is on the PATH, prints VmRSS, the threads over 0.01 % of a core and the total, with the load average; child
# processes (the `parec` readers of the call audio and, where it is a server source, of the microphone) get their
# own rows and a separate total ("with children": what listening costs, compare that one). The sound server's own
# CPU over the same span gets a row and a last total ("with the server") when its process is found (SERVER_PID, else
# the `pulseaudio` serving this PULSE_SERVER socket): where the server resamples a stream to the rate CalmCue asks
# for (branch rate11, not merged: profiles/rate11.md), that work is the server's, not the tray's. The server also plays the room
# and serves the harness's readers, the same for every version measured: compare it between versions, not alone.
#
# INPUT=room (the default) plays the bench's generated quiet room (src/calmcue/bench/room.py of this checkout,
# whatever PYTHONPATH says: both versions hear the same samples) into both sinks of the virtual headset from before
# the tray starts: what an agent's headset hears between calls. INPUT=silence plays nothing (digital silence, which
# flatters the tray: the engine skips work on exact zeros that it cannot skip on a room's noise; issue 15).
# INPUT=demo plays the demo call (build/demo/demo_call.wav, `make demo`: the agent into mic_feed, the caller into
# speaker_sink, from its start, looped): the tray while people speak.
#
# HARNESS_READERS=off first stops the `parec --latency-msec=5` readers that scripts/with_services.sh keeps on every
# source of this private server (found by pid: their command line and this PULSE_SERVER) and restarts the sinks'
# timers: without them the sinks render in blocks set by the latency their remaining clients ask for, not ~5 ms
# (what a headset on a desktop's sound server does; tray_threads.md, session 4). It stays so for the rest of the
# with_services.sh run. scripts/with_services.sh reads the same variable and then starts none (as `make bench`
# does): `HARNESS_READERS=off bash scripts/with_services.sh bash benchmarks/tray_threads.sh` finds none to stop.
set -uo pipefail
seconds=${1:-20}
if [ "${HARNESS_READERS:-on}" = off ] && [ -n "${PULSE_SERVER:-}" ]; then
    for p in /proc/[0-9]*; do
        tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q -- "--latency-msec=5" || continue
        tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "PULSE_SERVER=$PULSE_SERVER" || continue
        kill "${p#/proc/}" 2>/dev/null
    done
    for sink in mic_feed speaker_sink call_feed; do pactl suspend-sink "$sink" 1 && pactl suspend-sink "$sink" 0; done >/dev/null 2>&1
fi
root=$(mktemp -d)
players=()
trap 'for p in "${players[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$root"' EXIT
for d in config data state cache cc dd; do mkdir -p "$root/$d"; done
if [ "${INPUT:-room}" = room ]; then
    PYTHONPATH="$PWD/src" .venv/bin/python - "$root" "$((seconds + 30))" <<'PY'
import sys
import numpy as np
import soundfile as sf
from calmcue.bench.room import room_noise
clip = room_noise(seconds=10.0, rate_hz=48000)
repeats = int(np.ceil(float(sys.argv[2]) / 10.0))
for channel, sink in enumerate(("mic_feed", "speaker_sink")):
    sf.write(f"{sys.argv[1]}/{sink}.wav", np.tile(clip[:, channel], repeats), 48000, subtype="FLOAT")
PY
    for sink in mic_feed speaker_sink; do
        paplay --device="$sink" "$root/$sink.wav" & players+=($!)
    done
    echo "input: the bench's quiet room (bench/room.py) into mic_feed and speaker_sink"
elif [ "${INPUT:-room}" = demo ]; then
    .venv/bin/python - "$root" "$((seconds + 30))" build/demo/demo_call.wav <<'PY' || exit 1
import sys
import numpy as np
import soundfile as sf
call, rate = sf.read(sys.argv[3], dtype="float32", always_2d=True)
repeats = int(np.ceil(float(sys.argv[2]) * rate / call.shape[0]))
for channel, sink in enumerate(("mic_feed", "speaker_sink")):
    sf.write(f"{sys.argv[1]}/{sink}.wav", np.tile(call[:, channel], repeats), rate, subtype="FLOAT")
PY
    for sink in mic_feed speaker_sink; do
        paplay --device="$sink" "$root/$sink.wav" & players+=($!)
    done
    echo "input: the demo call (build/demo/demo_call.wav): the agent into mic_feed, the caller into speaker_sink"
else
    echo "input: digital silence (nothing plays)"
fi
export QT_QPA_PLATFORM=${TRAY_QPA:-offscreen} XDG_CONFIG_HOME=$root/config XDG_DATA_HOME=$root/data XDG_STATE_HOME=$root/state \
    XDG_CACHE_HOME=$root/cache CALMCUE_CONFIG_DIR=$root/cc CALMCUE_DATA_DIR=$root/dd
.venv/bin/python -m calmcue tray >/dev/null 2>&1 &
pid=$!
sleep 12
server=${SERVER_PID:-}
if [ -z "$server" ] && [ -n "${PULSE_SERVER:-}" ]; then
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = pulseaudio ] || continue
        tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "socket=${PULSE_SERVER#unix:}" && server=${p#/proc/} && break
    done
fi
snap() {
    for t in /proc/$pid/task/*; do echo "$(basename "$t") $(cut -d' ' -f14,15 "$t/stat") $(cat "$t/comm")"; done
    # child processes (the parec reading the call audio): their own CPU, one row each
    for c in $(cat /proc/$pid/task/*/children 2>/dev/null); do
        echo "child:$c $(cut -d' ' -f14,15 "/proc/$c/stat" 2>/dev/null) $(cat "/proc/$c/comm" 2>/dev/null) (child process)"
    done
    if [ -n "$server" ]; then echo "server:$server $(cut -d' ' -f14,15 "/proc/$server/stat") sound server"; fi
}
snap > "$root/t0"; t0=$(date +%s.%N)
sleep "$seconds"
snap > "$root/t1"; t1=$(date +%s.%N)
if command -v py-spy >/dev/null; then py-spy dump --pid $pid 2>/dev/null | grep -E '^Thread' > "$root/names"; fi
touch "$root/names"
grep VmRSS /proc/$pid/status
kill $pid; wait $pid 2>/dev/null
# what the audio did meanwhile (a measurement without open audio is no measurement of listening)
grep -h -E "audio open|audio lost|WARNING|ERROR" "$root"/state/calmcue/log/*.log 2>/dev/null | cut -c1-200 | tail -5
python3 - "$t0" "$t1" "$root" <<'PY'
import os, re, sys
t0, t1, root = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
hz = os.sysconf("SC_CLK_TCK")
def read(name):
    return {p[0]: p for p in (line.split() for line in open(f"{root}/{name}"))}
a, b = read("t0"), read("t1")
names = {m.group(1): m.group(2) for m in (re.search(r'Thread (\d+) .*"(.*)"', l) for l in open(f"{root}/names")) if m}
rows, total, children, server = [], 0.0, 0.0, None
for tid, v in b.items():
    if len(v) < 3 or (tid.startswith(("child:", "server:")) and tid not in a):
        continue  # a child that came or went between the two readings
    ticks = int(v[1]) + int(v[2]) - (int(a[tid][1]) + int(a[tid][2]) if tid in a else 0)
    pct = 100.0 * ticks / hz / (t1 - t0)
    if tid.startswith("server:"):
        server = pct
    elif tid.startswith("child:"):
        children += pct
    else:
        total += pct
    rows.append((pct, tid, names.get(tid) or " ".join(v[3:])))
for pct, tid, name in sorted(rows, reverse=True):
    if pct >= 0.01:
        print(f"{pct:6.2f} %  {tid}  {name}")
print(f"total {total:.2f} % of one core (with children {total + children:.2f} %); "
      f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
if server is not None:
    print(f"with the sound server {total + children + server:.2f} % (the server alone {server:.2f} %)")
PY
