"""A speaker's own usual voice: level, pitch, spectral tilt and speaking rate.

Learned from the first `calibration_speech_s` of that speaker's voiced speech (medians), then following slowly
with a sign-step median tracker that never learns from speech that is itself raised. A caller starts from a
telephone-speech prior instead, because a caller may be loud from their first word.

Lines differ in level by +-10 dB and more (softphones, mobile networks, gateways). On a line hotter than the prior's
guess, a calm caller reads raised against it: their frames were left out, the prior never followed them, and their
brighter calm stretches flagged in the call's opening (a line 4-14 dB over the prior: calm clips flagged 13.3 % on
the hotline22 stress row). So while the prior's level tracker has not come under the guess and the caller has not
yet opened with a raised voice (`may_be_hot_line`), a voice that is louder than the guess but sounds calm (its tilt
that of calm telephone speech, speaker.HOT_LINE_CALM_TILT_DB) is taken as the line's gain and followed; a caller
raised from the first word has a flatter tilt and is left out as before.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from calmcue.errors import BadInputError
from calmcue.timebase import HOP_S

log = logging.getLogger(__name__)

ADAPT_SPAN = 15.0  # dB (or semitones): the most a learned baseline follows in `adapt_speech_s` of voiced speech
LEVEL_QUANTILE = 0.8  # levels compare at the 80th percentile of voiced frames: the weak voiced frames that noise
# hides from the voicing decision barely move it, so noise does not bias the baseline upwards
MIN_VOICED_FRAMES = 300  # 3 s of voicing at least, however long the speech took
PRIOR_STEP_PER_FRAME = 0.1  # a prior is only a guess (the line gain is unknown): it follows the caller's calm
# speech 200x faster than a learned baseline follows, so an 18 dB quieter line is found in about 5 s of voicing
# (the 80th-percentile tracker steps down at a quarter of this); slower, the calibration took in the caller's
# raised turns while the prior still sat above them, and their later raised turns read as usual
REJUDGE_INDEX_DB = 3.0  # a frame the prior phase left out as raised comes back into the calibration when its level
# plus tilt over the calibration's own first estimate stays under this (the prior judged it from a guess)
REJUDGE_ROUNDS = 8  # the second look is repeated until the frames it puts back no longer move the estimate (a
# few rounds: each puts back the frames the previous estimate judged calm; the cap only bounds the work)
HOT_LINE_HELD_OUT_MAX = 100  # a hot line is read from the call's opening only: before 1 s of voice read raised
HELD_OUT_MAX = 6000  # the prior phase's left-out frames kept for that second look (a minute of voicing at most)


@dataclass(frozen=True)
class BaselineValues:
    level_dbfs: float
    pitch_st: float  # semitones re 100 Hz
    tilt_db: float
    rate_syl_s: float

    @property
    def f0_hz(self) -> float:
        return 100.0 * 2.0 ** (self.pitch_st / 12.0)

    def to_json(self) -> dict[str, float | None]:
        values = {"level_dbfs": self.level_dbfs, "f0_hz": self.f0_hz, "tilt_db": self.tilt_db,
                  "rate_syl_s": self.rate_syl_s}
        return {k: None if math.isnan(v) else round(v, 2) for k, v in values.items()}


def semitones(f0_hz: float) -> float:
    return 12.0 * math.log2(f0_hz / 100.0)


class SpeakerBaseline:
    def __init__(self, *, calibration_speech_s: float, adapt_speech_s: float,
                 prior: BaselineValues | None = None) -> None:
        self.calibration_frames = round(calibration_speech_s / HOP_S)
        self.adapt_step = ADAPT_SPAN / round(adapt_speech_s / HOP_S)  # per voiced frame (300 s: 3 dB a minute)
        self.values = prior
        self.from_prior = prior is not None
        self.prior = prior
        self._speech_frames = 0
        self._samples: list[tuple[float, float, float]] = []
        self._held_out: list[tuple[float, ...]] = []  # frames the prior judged raised (see _rejudged)
        self.calm_judge: Callable[[float, float, float], bool] | None = None  # (level, pitch, tilt over) -> calm
        self._rates: list[float] = []

    @property
    def ready(self) -> bool:
        return self.values is not None

    @property
    def may_be_hot_line(self) -> bool:
        """Still on the prior, its level tracker has not come under the prior's guess (the caller's voice has not
        shown the line to be quieter than the guess), and under `HOT_LINE_HELD_OUT_MAX` frames were left out as
        raised so far (a caller who opened with a raised voice has shown how they sound on this line)."""
        return (self.from_prior and self.values is not None and self.prior is not None
                and self.values.level_dbfs >= self.prior.level_dbfs and len(self._held_out) < HOT_LINE_HELD_OUT_MAX)

    @property
    def calibration_progress(self) -> float:
        if self.values is not None and not self.from_prior:
            return 1.0
        return min(1.0, self._speech_frames / self.calibration_frames)

    def observe(self, *, level_dbfs: float, pitch_st: float, tilt_db: float, rate_syl_s: float,
                voiced: bool, raised: bool, judged: tuple[float, float, float] | None = None,
                hidden: bool = False) -> None:
        """One speech frame of this speaker; only voiced frames carry level, pitch and tilt values. `judged`: the
        short-term (level, pitch, tilt) that `raised` was judged on (see _rejudged). `hidden`: a frame the noise may
        have hidden from the voicing decision (detector/masking.py), given as voiced with its level alone: it counts
        for the calibration and the following, not for a prior's fast follow (there it pulled the guess under a calm
        caller's voice: a calm clip flagged on noise10)."""
        calibrating = self.values is None or self.from_prior
        if calibrating:
            self._speech_frames += 1
        if not voiced:
            return
        if calibrating:
            self._calibrate(level_dbfs, pitch_st, tilt_db, rate_syl_s, raised, judged, hidden)
        elif not raised:
            self._follow(level_dbfs, pitch_st, tilt_db, rate_syl_s, self.adapt_step)

    def _calibrate(self, level: float, pitch: float, tilt: float, rate: float, raised: bool,
                   judged: tuple[float, float, float] | None, hidden: bool = False) -> None:
        if self.from_prior and not raised and not hidden:
            self._follow(level, pitch, tilt, rate, PRIOR_STEP_PER_FRAME)
        if self.from_prior and raised:
            if len(self._held_out) < HELD_OUT_MAX:
                self._held_out.append((level, pitch, tilt, *(judged or (math.nan,) * 3)))
            return
        self._samples.append((level, pitch, tilt))
        if not math.isnan(rate):
            self._rates.append(rate)
        if self._speech_frames >= self.calibration_frames and len(self._samples) >= MIN_VOICED_FRAMES:
            samples = self._rejudged(np.array(self._samples))
            level_m = float(np.nanpercentile(samples[:, 0], LEVEL_QUANTILE * 100))
            pitch_m, tilt_m = np.nanmedian(samples[:, 1:], axis=0).tolist()
            rate_m = float(np.median(self._rates)) if self._rates else math.nan
            self.values = BaselineValues(level_m, pitch_m, tilt_m, rate_m)
            self.from_prior = False
            self._samples, self._held_out, self._rates = [], [], []

    def _rejudged(self, samples: np.ndarray) -> np.ndarray:
        """The calibration frames, with the prior phase's left-out frames that were calm after all put back.

        The prior phase leaves out frames that read raised against the prior, a population guess of the line's
        level. On a line at or over the guess (the codec row: G.711 with the calm voice at a nominal -26 dBov,
        about 3 dB over the prior's -28 dBFS), the caller's brighter calm stretches read raised against it and left
        the calibration: measured on the codec row, the learned calm tilt sat 0.1-0.8 dB duller and the level 0.3-1.1
        dB lower than the same caller's on the `phone` row (whose voice sits far under the guess, so its calm
        opening is all kept), and their calm clips were flagged 8.3 % against 3.3 % (mu-law itself moves a
        frame's tilt by under 0.3 dB). Judged again against the calibration's own estimate (_calm_against), the
        calm ones come back: a frame whose own level plus tilt stays within REJUDGE_INDEX_DB of it, or whose
        short-term voice (what the prior phase judged) is calm by the test the learned baseline learns by (the
        track's `calm_judge`: its raise index under the exit threshold). The frames put back move the estimate, so
        the look is repeated until it settles (REJUDGE_ROUNDS). A caller raised from the first word keeps their
        raised frames out: they stand an exit threshold and more over the calm estimate.
        """
        if not self._held_out:
            return samples
        held = np.array(self._held_out)
        back = np.zeros(len(held), bool)
        for _ in range(REJUDGE_ROUNDS):
            kept = np.concatenate([samples, held[back, :3]])
            now = self._calm_against(held, kept)
            if np.array_equal(now, back):
                break
            back = now
        return np.concatenate([samples, held[back, :3]])

    def _calm_against(self, held: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Which left-out frames are calm against the estimate from `kept`: the frame's own level plus tilt within
        REJUDGE_INDEX_DB of it, or the short-term voice it was judged on calm by the track's `calm_judge`."""
        level_0 = float(np.nanpercentile(kept[:, 0], LEVEL_QUANTILE * 100))
        pitch_0, tilt_0 = np.nanmedian(kept[:, 1:], axis=0).tolist()
        calm = (held[:, 0] - level_0) + np.nan_to_num(held[:, 2] - tilt_0) < REJUDGE_INDEX_DB
        if self.calm_judge is not None:
            judge = self.calm_judge
            calm |= np.array([not math.isnan(lv) and judge(lv - level_0, p - pitch_0, t - tilt_0)
                              for lv, p, t in held[:, 3:6]], bool)
        return calm

    def shift_level(self, shift_db: float) -> None:
        """A gain change: the same voice now reads `shift_db` louder."""
        if self.values is not None:
            self.values = BaselineValues(self.values.level_dbfs + shift_db, self.values.pitch_st,
                                         self.values.tilt_db, self.values.rate_syl_s)

    def gain_moved(self, shift_db: float) -> None:
        """The system moved the mic's gain by `shift_db`: the learned level, or the calibration's levels so far."""
        if self.values is not None:
            self.shift_level(shift_db)
        else:
            self._samples = [(level + shift_db, pitch, tilt) for level, pitch, tilt in self._samples]

    def restart(self) -> None:
        """Calibrate afresh (a new microphone)."""
        self.values, self.from_prior = None, False
        self._speech_frames = 0
        self._samples, self._held_out, self._rates = [], [], []

    def _follow(self, level: float, pitch: float, tilt: float, rate: float, step: float) -> None:
        assert self.values is not None
        v = self.values
        self.values = BaselineValues(_toward(v.level_dbfs, level, step, quantile=LEVEL_QUANTILE),
                                     _toward(v.pitch_st, pitch, step),
                                     _toward(v.tilt_db, tilt, step), _toward(v.rate_syl_s, rate, step * 0.1))


def _toward(current: float, observed: float, step: float, *, quantile: float = 0.5) -> float:
    """A sign-step quantile tracker: up by 2q steps, down by 2(1-q), so it settles where P(x > value) = 1 - q."""
    if math.isnan(observed):
        return current
    if math.isnan(current):
        return observed
    return current + 2 * quantile * step if observed > current else current - 2 * (1 - quantile) * step


def save_baseline(path: Path, values: BaselineValues) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"schema": 1, "agent": asdict(values)}, indent=2))
    tmp.replace(path)


def save_if_new(path: Path | None, values: BaselineValues | None, *,
                saved: BaselineValues | None) -> BaselineValues | None:
    """Saves `values` to `path` when there is a path, they are complete and differ from `saved` (what the file
    holds); returns what the file holds afterwards. A file that cannot be written is logged, never raised."""
    if path is None or values is None or values == saved:
        return saved
    if any(math.isnan(v) for v in (values.level_dbfs, values.tilt_db)):
        return saved
    try:
        save_baseline(path, values)
    except OSError as err:
        log.warning("cannot save the calibration to %s: %s", path, err)
        return saved
    return values


def load_baseline(path: Path) -> BaselineValues:
    """A calibration saved by `save_baseline` (or the 'stats.baseline.agent' of analyze --json)."""
    try:
        data = json.loads(Path(path).read_text())
        agent = data["agent"] if "agent" in data else data["stats"]["baseline"]["agent"]
        if "pitch_st" not in agent:
            agent = {"level_dbfs": agent["level_dbfs"], "pitch_st": semitones(agent["f0_hz"]),
                     "tilt_db": agent["tilt_db"], "rate_syl_s": agent.get("rate_syl_s") or math.nan}
        return BaselineValues(**{k: float(agent[k]) for k in ("level_dbfs", "pitch_st", "tilt_db", "rate_syl_s")})
    except FileNotFoundError:
        raise BadInputError(f"{path}: baseline file not found; run a calibration or leave out --baseline") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise BadInputError(f"{path}: not a CalmCue baseline file ({_why_not_a_baseline(err)}); recalibrate, "
                            "or leave out --baseline") from None


def _why_not_a_baseline(err: Exception) -> str:
    """What is wrong with a baseline file, in words (not Python's): the file, its JSON, or its entries."""
    if isinstance(err, IsADirectoryError):
        return "it is a folder"
    if isinstance(err, OSError):
        return err.strerror or "it cannot be read"
    if isinstance(err, json.JSONDecodeError):
        return f"not JSON: {err.msg.lower()} at line {err.lineno}"
    if isinstance(err, KeyError):
        return "no 'agent' entry" if err.args[0] == "stats" else f"no '{err.args[0]}' entry"
    if isinstance(err, UnicodeDecodeError):
        return "not text"
    return "its entries are not numbers in the expected places"
