"""Who is talking: speech runs per speaker (bridging short gaps) and the mic-leak gate for the agent."""

from __future__ import annotations

BRIDGE_FRAMES = 20  # gaps up to 200 ms belong to the same run of speech
TURN_BRIDGE_FRAMES = 50  # a caller's turn goes on through pauses up to 500 ms (a breath, a missed syllable)
STILL_TALKING_FRAMES = 15  # a speaker whose last speech is at most 150 ms old is still talking
LEAK_MARGIN_DB = 10.0  # the mic must be this much above the learned leak of the far end to count as the agent
LEAK_RISE_DB_PER_FRAME = 0.01  # the leak estimate forgets a low reading at 1 dB/s


class SpeechRun:
    """The current run of one speaker's speech, in frames."""

    def __init__(self, *, bridge_frames: int = BRIDGE_FRAMES) -> None:
        self.bridge_frames = bridge_frames
        self.start: int | None = None
        self.last = -10**9

    def step(self, frame: int, speaking: bool) -> bool:
        """Feeds one frame; True when a new run starts here."""
        if not speaking:
            return False
        onset = self.start is None or frame - self.last > self.bridge_frames
        if onset:
            self.start = frame
        self.last = frame
        return onset

    def talking(self, frame: int) -> bool:
        return self.start is not None and frame - self.last <= STILL_TALKING_FRAMES

    def ongoing(self, frame: int) -> bool:
        return self.start is not None and frame - self.last <= self.bridge_frames

    def length(self, frame: int) -> int:
        return frame - self.start + 1 if self.start is not None else 0


class LeakGate:
    """Customer audio leaking into the headset mic (sidetone, open headsets) is not the agent speaking.

    Tracks the lowest mic-minus-far-end level difference while the far end speaks (that is the leak path);
    while the far end speaks, mic speech counts as the agent only when it stands `LEAK_MARGIN_DB` above that.
    """

    def __init__(self) -> None:
        self.leak_db = 0.0

    def agent_speaking(self, *, mic_speech: bool, mic_level_dbfs: float, far_speech: bool,
                       far_level_dbfs: float) -> bool:
        if not far_speech:
            return mic_speech
        coupling_db = mic_level_dbfs - far_level_dbfs
        self.leak_db = min(self.leak_db + LEAK_RISE_DB_PER_FRAME, coupling_db)
        return mic_speech and coupling_db > self.leak_db + LEAK_MARGIN_DB
