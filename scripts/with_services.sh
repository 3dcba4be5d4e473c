#!/usr/bin/env bash
# Run CMD with a private PulseAudio server (virtual headset) and a private X server (Xvfb + openbox +
# xcompmgr + trayer), then stop exactly what was started here.
#
#   scripts/with_services.sh CMD [ARGS...]
#
# Everything lives in a fresh mktemp directory (HOME, XDG_RUNTIME_DIR), never in the real ~, and the X display
# number is chosen by Xvfb (-displayfd), so two runs can go on at the same time.
#
# Exported to CMD:
#   HOME, XDG_RUNTIME_DIR              private directories
#   PULSE_SERVER, CALMCUE_PULSE=1      only if PulseAudio came up
#   DISPLAY, CALMCUE_XVFB=1            only if Xvfb came up
#
# HARNESS_READERS=off (environment) starts no `parec --latency-msec=5` readers on the sources (see start_pulse):
# for CPU measurements that should stand for a desktop (`make bench`); the tests keep them (the default, on).
#
# PulseAudio (recipe: ../shared/notes/REAL_PARTS.md):
#   sinks    mic_feed (mono)      play the agent's voice here
#            speaker_sink (mono)  play the customer's voice here (the headset speaker)
#            call_feed (stereo)   play a two-party file here: channel 0 = agent, 1 = customer
#   sources  virtual_mic          mic_feed.monitor: the "headset microphone" (default source)
#            call_mic, call_far   channel 0 and 1 of call_feed.monitor, mono each
# ALSA PCMs in $HOME/.asoundrc (listed by sounddevice): agent_mic, far_end, call_mic, call_far.
#
# If a server cannot start, one line says why and CMD runs anyway (tests that need it skip outside CI).
# The exit status is CMD's.
set -uo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/calmcue-services.XXXXXX") || exit 1
STARTED=()        # PIDs of everything started here, in start order

stop_all() {
    local rc=$? i pid n
    trap - EXIT INT TERM
    # Stop in reverse order: clients first, servers last.
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
        kill -TERM "${STARTED[i]}" 2>/dev/null
    done
    for pid in "${STARTED[@]}"; do
        for ((n = 0; n < 50; n++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
    exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- private environment -----------------------------------------------------------------------------------
export HOME="$WORK/home"
export XDG_RUNTIME_DIR="$WORK/run"
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state"
mkdir -p "$HOME/.config/pulse" "$XDG_RUNTIME_DIR/pulse"
chmod 700 "$XDG_RUNTIME_DIR"
unset PULSE_SERVER PULSE_SINK PULSE_SOURCE PULSE_RUNTIME_PATH PULSE_STATE_PATH PULSE_CONFIG_PATH
unset DISPLAY WAYLAND_DISPLAY XAUTHORITY DBUS_SESSION_BUS_ADDRESS CALMCUE_PULSE CALMCUE_XVFB
# A client that finds no server must not spawn one of its own (it would outlive this script).
echo "autospawn = no" >"$HOME/.config/pulse/client.conf"
export PULSE_CLIENTCONFIG="$HOME/.config/pulse/client.conf"

have() { command -v "$1" >/dev/null 2>&1; }

# Wait up to $1 tenths of a second for "${@:2}" to succeed.
wait_for() {
    local tries=$1 n
    shift
    for ((n = 0; n < tries; n++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

readers_connected() { [ "$(pactl list short source-outputs 2>/dev/null | wc -l)" -ge "$1" ]; }

# --- PulseAudio ----------------------------------------------------------------------------------------------
start_pulse() {
    local sock="$XDG_RUNTIME_DIR/pulse/native" pid src sink
    if ! have pulseaudio || ! have pactl; then
        echo "with_services: no PulseAudio (pulseaudio/pactl not installed; run 'make sysdeps' as root)" >&2
        return 1
    fi
    # Run in the foreground (in the background of this script) so its PID is ours to stop. The arguments are
    # in scripts/pulse-server.args (one a line, ${SOCKET} = the socket path), which the fault tests read too to
    # restart a server exactly like this one (tests/pulse_server.py).
    local args=() line
    while IFS= read -r line; do
        [ -n "$line" ] && args+=("${line//\$\{SOCKET\}/$sock}")
    done <"$(dirname "${BASH_SOURCE[0]}")/pulse-server.args"
    pulseaudio "${args[@]}" </dev/null >"$WORK/pulseaudio.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    export PULSE_SERVER="$sock"  # the socket path (libpulse also accepts "unix:PATH")
    local n
    for ((n = 0; n < 100; n++)); do
        pactl info >/dev/null 2>&1 && break
        if ! kill -0 "$pid" 2>/dev/null; then
            n=100
            break
        fi
        sleep 0.1
    done
    if ((n >= 100)); then
        local why
        why=$(grep -m1 -E '^E:' "$WORK/pulseaudio.log" 2>/dev/null || true)
        echo "with_services: PulseAudio did not come up within 10 s${why:+: $why}" >&2
        unset PULSE_SERVER
        return 1
    fi
    local have_sources missing=""
    have_sources=" $(pactl list short sources 2>/dev/null | cut -f2 | tr '\n' ' ') "
    for src in virtual_mic speaker_sink.monitor call_mic call_far; do
        [[ $have_sources == *" $src "* ]] || missing+=" $src"
    done
    if [ -n "$missing" ]; then
        local why
        why=$(grep -m1 -E '^E:' "$WORK/pulseaudio.log" 2>/dev/null || true)
        echo "with_services: PulseAudio is up but lacks source(s)$missing${why:+: $why}" >&2
        unset PULSE_SERVER
        return 1
    fi
    pactl set-default-sink speaker_sink >/dev/null 2>&1
    pactl set-default-source virtual_mic >/dev/null 2>&1

    cat >"$HOME/.asoundrc" <<'EOF'
# Written by scripts/with_services.sh: the virtual headset as ALSA devices (PortAudio lists these).
pcm.agent_mic { type pulse; device "virtual_mic"; hint { show on; description "CalmCue virtual headset mic" } }
pcm.far_end   { type pulse; device "speaker_sink.monitor"; hint { show on; description "CalmCue far end (speaker_sink.monitor)" } }
pcm.call_mic  { type pulse; device "call_mic"; hint { show on; description "CalmCue two-party call, channel 0 (agent)" } }
pcm.call_far  { type pulse; device "call_far"; hint { show on; description "CalmCue two-party call, channel 1 (customer)" } }
EOF

    export CALMCUE_PULSE=1
    # Pitfall: an idle null sink renders in blocks of up to 2 s, so a new stream's first callback comes late.
    # A low-latency reader on every source keeps the sinks rendering in small blocks. Every other client of
    # those sources then gets its audio in ~5 ms packets whatever it asks for, and the server and the clients pay
    # for them: HARNESS_READERS=off leaves them out, so that the sinks render in the blocks their own clients ask
    # for, as a headset on a desktop's sound server does (what `make bench` measures CPU under;
    # benchmarks/results/profiles/bench13.md).
    if [ "${HARNESS_READERS:-on}" = off ]; then
        return 0
    fi
    for src in virtual_mic speaker_sink.monitor call_mic call_far; do
        parec --raw --latency-msec=5 -d "$src" >/dev/null 2>>"$WORK/parec.log" </dev/null &
        STARTED+=("$!")
    done
    # The sinks keep the long block they armed at start-up; once the readers are connected, a suspend and
    # resume restarts each sink's timer with the short latency the readers ask for.
    wait_for 50 readers_connected 4
    for sink in mic_feed speaker_sink call_feed; do
        pactl suspend-sink "$sink" 1 && pactl suspend-sink "$sink" 0
    done >/dev/null 2>&1
    return 0
}

# --- X: Xvfb, window manager, compositor, tray -------------------------------------------------------------
x_ready() {
    if have xdotool; then xdotool getdisplaygeometry; else xdpyinfo; fi
}

start_x() {
    local pid dfile="$WORK/displayfd" num=""
    if ! have Xvfb; then
        echo "with_services: no X server (Xvfb not installed; run 'make sysdeps' as root)" >&2
        return 1
    fi
    : >"$dfile"
    Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp -noreset 3>"$dfile" </dev/null \
        >"$WORK/xvfb.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    local n
    for ((n = 0; n < 100; n++)); do
        num=$(head -n1 "$dfile" 2>/dev/null)
        [ -n "$num" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$num" ]; then
        local why
        why=$(grep -m1 -iE 'fatal|error' "$WORK/xvfb.log" 2>/dev/null || true)
        echo "with_services: Xvfb did not come up within 10 s${why:+: $why}" >&2
        return 1
    fi
    export DISPLAY=":$num"
    if ! wait_for 100 x_ready; then
        echo "with_services: Xvfb started on $DISPLAY but does not answer" >&2
        unset DISPLAY
        return 1
    fi

    if have openbox; then
        openbox --sm-disable </dev/null >"$WORK/openbox.log" 2>&1 &
        STARTED+=("$!")
        # openbox is managing once it publishes the EWMH desktop count.
        have xdotool && { wait_for 100 xdotool get_num_desktops ||
            echo "with_services: openbox did not come up; windows are unmanaged" >&2; }
    else
        echo "with_services: openbox not installed; windows are unmanaged" >&2
    fi
    if have xcompmgr; then
        xcompmgr -n </dev/null >"$WORK/xcompmgr.log" 2>&1 &
        STARTED+=("$!")
    else
        echo "with_services: xcompmgr not installed; no translucency" >&2
    fi
    if have trayer; then
        trayer --edge bottom --align right --SetDockType true --SetPartialStrut true </dev/null >"$WORK/trayer.log" 2>&1 &
        STARTED+=("$!")
        # Its dock window (WM_CLASS "panel", "trayer") is mapped once the tray is set up.
        have xdotool && { wait_for 100 xdotool search --onlyvisible --class trayer ||
            echo "with_services: trayer did not come up; no system tray" >&2; }
    else
        echo "with_services: trayer not installed; no system tray" >&2
    fi
    export CALMCUE_XVFB=1
    return 0
}

start_pulse
start_x

"$@"
exit $?
