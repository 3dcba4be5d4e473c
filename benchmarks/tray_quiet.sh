#!/usr/bin/env bash
# The tray app listening while nobody speaks and the devices are not digitally silent (issue 15): steady white
# noise at -70 dBFS played into the virtual headset mic (sink mic_feed) and the headset speaker (speaker_sink,
# whose monitor is the call audio), then the per-thread CPU of `calmcue tray` (benchmarks/tray_threads.sh) and,
# with PROFILE=OUT.txt, a py-spy profile of its worker thread (raw format, for benchmarks/profile_summary.py).
#
#   bash scripts/with_services.sh bash benchmarks/tray_quiet.sh [SECONDS]
#   PYTHONPATH=/tmp/old/src bash scripts/with_services.sh bash benchmarks/tray_quiet.sh   # another version
#   PROFILE=/tmp/quiet.txt bash scripts/with_services.sh bash benchmarks/tray_quiet.sh 20
set -uo pipefail
export PATH="$PWD/.venv/bin:$PATH"  # py-spy names the threads
seconds=${1:-20}
players=()
noise() {  # endless float32 white noise at -70 dBFS RMS, 48 kHz mono, paced by pacat
    .venv/bin/python -c '
import sys, numpy as np
rng, out = np.random.default_rng(15), sys.stdout.buffer
while True:
    out.write((rng.standard_normal(4800) * 10 ** (-70 / 20)).astype(np.float32).tobytes())
' 2>/dev/null | pacat --device="$1" --format=float32le --rate=48000 --channels=1 --latency-msec=100 &
    players+=($!)
}
noise mic_feed
noise speaker_sink
trap 'kill "${players[@]}" 2>/dev/null' EXIT
if [ -n "${PROFILE:-}" ]; then
    root=$(mktemp -d)
    export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME=$root/c XDG_DATA_HOME=$root/d XDG_STATE_HOME=$root/s \
        XDG_CACHE_HOME=$root/k CALMCUE_CONFIG_DIR=$root/cc CALMCUE_DATA_DIR=$root/dd
    .venv/bin/python -m calmcue tray >/dev/null 2>&1 &
    pid=$!
    sleep 12
    .venv/bin/py-spy record --pid "$pid" -r 200 -d "$seconds" -f raw -o "$PROFILE" >/dev/null 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null
    rm -rf "$root"
else
    bash benchmarks/tray_threads.sh "$seconds"
fi
