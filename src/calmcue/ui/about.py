"""The About text: version, devices, dropped audio, where the log and settings are, what works here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from calmcue import __version__
from calmcue.config.schema import Settings
from calmcue.ui.i18n import translate

if TYPE_CHECKING:
    from calmcue.engine.mailbox import Stats


def about_text(*, settings: Settings, state: str, stats: Stats | None, log_path: Path, user_path: Path,
               policy_path: Path, platform: str, capabilities: list[str]) -> str:
    """`stats` is the engine's latest Stats message (or None); `capabilities` the lines platform.describe made."""
    from calmcue.features.activity_model import in_use_label as activity_in_use  # not on the start-up path

    mic = settings.audio.mic or translate("CalmCue", "system default")
    call = settings.audio.call or translate("CalmCue", "automatic")
    lines = [f"CalmCue {__version__}",
             translate("CalmCue", "Measures how you speak, never what you feel. No audio is stored or sent."), "",
             translate("CalmCue", "State: %1").replace("%1", state),
             translate("CalmCue", "Microphone: %1").replace("%1", mic),
             translate("CalmCue", "Call audio: %1").replace("%1", call),
             translate("CalmCue", "Voice activity: %1").replace("%1", activity_in_use())]
    if stats is not None:
        lines.append(translate("CalmCue", "Dropped audio blocks: %1, device overflows: %2, frames analysed: %3")
                     .replace("%1", str(stats.dropped_blocks)).replace("%2", str(stats.overflows))
                     .replace("%3", str(stats.frames)))
    else:
        lines.append(translate("CalmCue", "Dropped audio blocks: none counted yet"))
    lines += [translate("CalmCue", "Log: %1").replace("%1", str(log_path)),
              translate("CalmCue", "Settings: %1").replace("%1", str(user_path)),
              translate("CalmCue", "Machine policy: %1").replace("%1", str(policy_path)), "",
              translate("CalmCue", "On this desktop (%1):").replace("%1", platform), *capabilities]
    return "\n".join(lines)
