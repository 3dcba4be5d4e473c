"""The legend in Settings: the agent's and the caller's bar as the overlay draws them, each with its words."""

from __future__ import annotations

from typing import Any

from PyQt6.QtGui import QColor, QImage
from PyQt6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from calmcue.ui.cue_legend import CueLegend, Sample
from calmcue.ui.overlay import bar_colour
from calmcue.ui.settings_dialog import SettingsDialog
from calmcue.ui.settings_store import KEYS


def _has(image: QImage, colour: QColor, tolerance: int = 6) -> int:
    target = colour.getRgb()[:3]
    return sum(1 for x in range(image.width()) for y in range(image.height())
               if all(abs(a - b) <= tolerance for a, b in zip(image.pixelColor(x, y).getRgb()[:3], target,
                                                              strict=True)))


def test_the_legend_shows_both_bars_with_their_words(qtbot: QtBot) -> None:
    legend = CueLegend()
    qtbot.addWidget(legend)
    legend.show()
    qtbot.waitExposed(legend)
    assert legend.labels["agent"].text() == "Cues about your voice"
    assert legend.labels["customer"].text() == "Cues about the caller"
    assert "Lower your voice" in legend.labels["agent"].toolTip()
    samples = {s.speaker: s for s in legend.findChildren(Sample)}
    assert set(samples) == {"agent", "customer"}
    for speaker, sample in samples.items():
        image = sample.grab().toImage()
        other = "customer" if speaker == "agent" else "agent"
        assert _has(image, bar_colour(speaker)) >= 10, f"the {speaker}'s bar is drawn"
        assert _has(image, bar_colour(other)) == 0, f"and not the {other}'s"


def test_the_general_settings_page_has_the_legend(qtbot: QtBot) -> None:
    values: dict[str, Any] = {key: field.default for key, field in KEYS.items()}
    dialog = SettingsDialog(values=values, enforced=frozenset())
    qtbot.addWidget(dialog)
    legends = dialog.findChildren(CueLegend)
    assert len(legends) == 1
    texts = {label.text() for label in legends[0].findChildren(QLabel)}
    assert {"Cues about your voice", "Cues about the caller"} <= texts
