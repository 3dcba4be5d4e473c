"""Translatable text. Every user-visible string is `translate("CalmCue", "...")` (Qt's translate, spelled so
that `pylupdate6` finds it), or a constant marked with `QT_TRANSLATE_NOOP("CalmCue", "...")` and shown with
`tr_label`.

Translations are Qt `.qm` files named `calmcue_<locale>.qm` in `calmcue/ui/translations/`: extract the strings
with `pylupdate6 src/calmcue/ui/*.py src/calmcue/detector/texts.py -ts calmcue_de.ts` (the second file is the
engine's table of cue texts), translate with Qt Linguist, compile with `lrelease`.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "CalmCue"
TRANSLATIONS = Path(__file__).parent / "translations"


def translate(context: str, text: str, disambiguation: str = "", n: int = -1) -> str:
    return QCoreApplication.translate(context, text, disambiguation or None, n)  # type: ignore[arg-type]


def tr_label(text: str) -> str:
    """A constant marked with QT_TRANSLATE_NOOP(CONTEXT, ...), translated where it is shown."""
    return translate(CONTEXT, text)


def install_translator(app: QCoreApplication, locale: QLocale | None = None) -> QTranslator | None:
    """Loads the translation for the user's locale if one ships; English (the source text) otherwise."""
    translator = QTranslator(app)
    if translator.load(locale or QLocale(), "calmcue", "_", str(TRANSLATIONS)):
        app.installTranslator(translator)
        return translator
    return None
