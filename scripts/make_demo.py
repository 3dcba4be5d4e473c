"""Build the scripted demo call used by `make run`: a ~90 s two-party call spoken by espeak-ng.

Channel 0 is the agent (male voice), channel 1 the customer (female voice), 16 kHz, 16-bit WAV. The first
~35 s are calm, with at least 15 s of speech from each side (the default calibration) so both baselines can be
learned; then the customer's voice rises, the agent talks over the venting customer, the agent's voice rises,
and the agent rushes through an explanation. The scripted events are
printed and written next to the WAV as `<name>.events.json`. The output is deterministic (fixed seed).

It also writes `<name>.baseline.json`, the demo's plan for the tray app: the agent's usual voice as CalmCue's
own engine learns it from the calm opening (so the app can skip that opening and show cues within seconds,
without ever touching the real agent's calibration), and where to start playing.

    .venv/bin/python scripts/make_demo.py [--out build/demo/demo_call.wav]
"""

import argparse
import json
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 16000
SEED = 1729
HOP = RATE // 100  # 10 ms
NOISE_DBFS = -60.0
SPEAKERS = ("agent", "customer")
LEAD_S = 0.5  # the demo with a saved baseline starts this long before the last calm turn


@dataclass(frozen=True)
class Voice:
    name: str  # espeak-ng voice+variant ("en-gb+f3" ignores the variant in espeak-ng 1.51; en-gb-x-rp works)
    amplitude: int  # -a
    pitch: int  # -p (0-99)
    speed: int  # -s words per minute
    level_dbfs: float  # active-speech level the turn is scaled to
    effort: float = 0.0  # high-frequency emphasis: a raised voice has a flatter spectral tilt


AGENT_CALM = Voice("en-us+m3", 100, 40, 175, -30.0)
AGENT_RAISED = Voice("en-us+m3", 160, 66, 175, -18.0, effort=0.8)  # +12 dB, higher pitch, same pace
AGENT_FAST = Voice("en-us+m3", 100, 42, 260, -30.0)  # about 1.5x the calm pace
CUSTOMER_CALM = Voice("en-gb-x-rp+f3", 100, 50, 180, -32.0)
CUSTOMER_RAISED = Voice("en-gb-x-rp+f3", 180, 80, 210, -19.0, effort=0.8)  # +13 dB, higher pitch, faster


@dataclass(frozen=True)
class Turn:
    speaker: int  # 0 = agent, 1 = customer
    voice: Voice
    text: str
    event: str = ""  # key into EVENTS
    cut_in_s: float | None = None  # start this long after the previous turn started (talk-over)


# key -> (what, speaker); the event spans the first to the last turn with that key.
EVENTS = {
    "baseline": ("calm_baseline", "both"),
    "customer_raised": ("raised_voice", "customer"),
    "talk_over": ("talk_over", "agent"),
    "agent_raised": ("raised_voice", "agent"),
    "agent_fast": ("fast_speech", "agent"),
}

A, C = 0, 1
SCRIPT = [
    Turn(A, AGENT_CALM, "Brightwave billing, Sam speaking. How can I help?", "baseline"),
    Turn(C, CUSTOMER_CALM, "Hi Sam. I think I have been charged twice for my broadband this month. "
         "I only noticed when I checked my banking app this morning.", "baseline"),
    Turn(A, AGENT_CALM, "I'm sorry about that. Can I take your postcode, please?", "baseline"),
    Turn(C, CUSTOMER_CALM, "It's L S one, four A B. The account is under Morgan, that's Claire Morgan.",
         "baseline"),
    Turn(A, AGENT_CALM, "Thank you. I can see two payments of forty two pounds in March.", "baseline"),
    Turn(C, CUSTOMER_CALM, "Yes, that's it. The first one is my normal monthly payment, "
         "but the second one went out on Friday and it has left me overdrawn.", "baseline"),
    Turn(A, AGENT_CALM, "I understand. The second payment was an error, so I can raise a refund now.",
         "baseline"),
    Turn(C, CUSTOMER_RAISED, "A refund? This is the third time I have called! "
         "Every time I am promised a refund and nothing ever arrives!", "customer_raised"),
    Turn(A, AGENT_CALM, "I can see the notes, and I understand how frustrating that is."),
    Turn(C, CUSTOMER_RAISED, "Frustrating? I have been charged overdraft fees because of your mistake "
         "and nobody has called me back in three weeks!", "customer_raised"),
    Turn(A, AGENT_CALM, "Okay, if I could just stop you there,", "talk_over", cut_in_s=2.0),
    Turn(A, AGENT_RAISED, "Look, I have already told you that the refund was approved on the fourteenth "
         "and I cannot make your bank move any faster than that!", "agent_raised"),
    Turn(C, CUSTOMER_CALM, "There is no need to shout at me."),
    Turn(A, AGENT_CALM, "You're right, I'm sorry. Let me explain what happens next."),
    Turn(A, AGENT_FAST, "So the refund of forty two pounds goes back to the card ending four one seven "
         "and it normally takes three to five working days, and I will also add a credit of fifteen pounds "
         "for the overdraft fees, which will show on your next bill.", "agent_fast"),
    Turn(C, CUSTOMER_CALM, "Sorry, could you slow down? Three to five days?"),
    Turn(A, AGENT_CALM, "Of course. Three to five working days, and fifteen pounds off your next bill."),
    Turn(C, CUSTOMER_CALM, "Okay. Thank you for sorting it out."),
    Turn(A, AGENT_CALM, "You're welcome. Have a good afternoon."),
]


def frame_db(x: np.ndarray) -> np.ndarray:
    """Level of each 10 ms frame in dBFS."""
    n = len(x) // HOP
    power = np.mean(x[: n * HOP].reshape(n, HOP) ** 2, axis=1)
    return 10 * np.log10(power + 1e-20)


def active_level_db(x: np.ndarray) -> float:
    """Active-speech level: power over the frames within 30 dB of the loudest frame."""
    db = frame_db(x)
    active = db > db.max() - 30
    return float(10 * np.log10(np.mean(10 ** (db[active] / 10))))


def speak(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """Synthesise one turn at RATE, trimmed to its speech and scaled to the voice's level."""
    wav = workdir / "turn.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice.name, "-a", str(voice.amplitude), "-p", str(voice.pitch),
         "-s", str(voice.speed), "-w", str(wav), text],
        check=True,
    )
    x, rate = sf.read(wav, dtype="float64")
    x = soxr.resample(x, rate, RATE)
    speech = np.flatnonzero(frame_db(x) > frame_db(x).max() - 45)
    x = x[speech[0] * HOP : (speech[-1] + 1) * HOP]
    if voice.effort:
        x = x + voice.effort * np.diff(x, prepend=0.0)
    return x * 10 ** ((voice.level_dbfs - active_level_db(x)) / 20)


def build(workdir: Path) -> tuple[np.ndarray, list[dict[str, object]], float]:
    """The mix, its scripted events and where a demo with a saved baseline starts (s)."""
    rng = np.random.default_rng(SEED)
    placed: list[tuple[Turn, float, np.ndarray]] = []
    start, end = 0.0, 0.6  # lead-in
    for turn in SCRIPT:
        audio = speak(turn.text, turn.voice, workdir)
        start = start + turn.cut_in_s if turn.cut_in_s is not None else end + rng.uniform(0.4, 1.0)
        start = round(start, 2)
        placed.append((turn, start, audio))
        end = max(end, start + len(audio) / RATE)

    out = rng.normal(0.0, 10 ** (NOISE_DBFS / 20), (int((end + 0.6) * RATE), 2))
    for turn, t0, audio in placed:
        i = round(t0 * RATE)
        out[i : i + len(audio), turn.speaker] += audio

    events: list[dict[str, object]] = []
    for key, (what, speaker) in EVENTS.items():
        spans = [(t0, t0 + len(a) / RATE) for turn, t0, a in placed if turn.event == key]
        t_start, t_end = spans[0][0], spans[-1][1]
        if key == "baseline":
            t_start = 0.0
        if key == "talk_over":  # the overlap with the customer turn the agent cut into
            cut = next(i for i, (turn, _, _) in enumerate(placed) if turn.event == key)
            t_end = min(t_end, placed[cut - 1][1] + len(placed[cut - 1][2]) / RATE)
        events.append(
            {"what": what, "speaker": speaker, "start_s": round(t_start, 2), "end_s": round(t_end, 2)}
        )
    last_calm = max(t0 for turn, t0, _ in placed if turn.event == "baseline")
    return out, events, round(last_calm - LEAD_S, 2)


def demo_plan(path: Path, events: list[dict[str, object]], start_s: float) -> dict[str, object]:
    """The agent's baseline after the calm opening, learned by CalmCue's engine from the written file (the
    same samples the app plays), and where the tray app starts the demo when it uses that baseline."""
    from calmcue.analysis.offline import analyze_samples
    from calmcue.detector.kinds import Speaker

    calm_end_s = float(next(e["end_s"] for e in events if e["what"] == "calm_baseline"))
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    learned = analyze_samples(audio[: round(calm_end_s * rate)], rate_hz=rate, keep_frames=False)
    agent = learned.baselines[Speaker.AGENT]
    if agent is None:
        raise SystemExit("make_demo: the calm opening is too short for the agent's calibration")
    return {"schema": 1, "calm_end_s": calm_end_s, "start_s": start_s, "length_s": round(len(audio) / rate, 2),
            "agent": {k: round(float(v), 4) for k, v in asdict(agent).items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/demo/demo_call.wav"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        audio, events, start_s = build(Path(tmp))
    peak = float(np.max(np.abs(audio)))
    if peak >= 1.0:
        raise SystemExit(f"make_demo: the mix clips (peak {peak:.2f}); lower the voice levels")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(args.out, audio.astype(np.float32), RATE, subtype="PCM_16")
    events_path = args.out.with_name(args.out.stem + ".events.json")
    events_path.write_text(json.dumps(events, indent=2) + "\n")
    plan = demo_plan(args.out, events, start_s)
    plan_path = args.out.with_name(args.out.stem + ".baseline.json")
    plan_path.write_text(json.dumps(plan, indent=2) + "\n")

    print(f"{args.out}: {len(audio) / RATE:.1f} s, {RATE} Hz, channel 0 = agent, 1 = customer")
    for e in events:
        print(f"  {e['start_s']:6.2f} - {e['end_s']:6.2f} s  {e['speaker']:<8}  {e['what']}")
    print(f"events: {events_path}")
    print(f"demo baseline: {plan_path} (the app starts the demo at {start_s:.2f} s with it)")


if __name__ == "__main__":
    main()
