"""Speech SPOKEN faster, for the pace benchmark: text-to-speech voices reading the same prose at several rates.

Every other "fast" stretch of the pace benchmark is natural speech time-stretched with librosa, which keeps each
syllable's shape and every pause's share; a person who talks faster also shortens pauses and merges and reduces
syllables. A synthesiser asked for a higher rate re-plans the timing itself (espeak-ng shortens phonemes and
pauses by its own rules; flite scales its duration model), so these voices give speech spoken fast rather than
played fast, with the same words at every rate.

Engines (Debian packages, called as programs; their audio is generated here, into a temporary folder that is
deleted at once, and never stored in the repository):
- espeak-ng 1.51 (GPL-3.0-or-later; formant synthesis), ``espeak-ng -v VOICE -s WPM``: the default rate is
  175 words a minute, so tempo t is ``-s round(175 t)``; voices in English, German, French, Italian and Spanish
  with male and female variants (``en+m3``, ``de+f2``, ...);
- flite 2.2 (BSD-like licence of CMU and Edinburgh; diphone and clustergen voices kal16, awb, rms, slt),
  ``--setf duration_stretch=1/t``.
The rate a synthesiser is asked for is not exactly the rate it speaks at, so the truth is measured: the summed
duration of the sentences at their natural rate over that at the faster one (each sentence trimmed to where its
samples pass -50 dBFS), for the sentences a stretch is made of (pauses between sentences are divided by the
tempo exactly, and left out of the truth). Asked for 1.35, flite speaks 1.33-1.38x, espeak-ng 1.26-1.35x.

The prose below was written for this benchmark. Each voice's first sentences (up to CALIBRATION_S at natural
rate) are its calibration; the stretches draw from the others, so no calibration sentence is heard again.
Tuned on: the voices with tuned=True (three espeak-ng, one flite); the others are held out.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

RATE_HZ = 16000
CALIBRATION_S = 25.0
PAUSE_S = (0.3, 0.8)  # between sentences at the natural rate; divided by the tempo when spoken faster
ESPEAK_DEFAULT_WPM = 175
TRIM_DBFS = -50.0

PROSE = {
    "en": (
        "Thank you for calling, my name is Sam and I will be looking after your account today.",
        "I can see that your last bill was higher than usual, so let us go through it together.",
        "The first charge is for the new phone you ordered at the start of the month.",
        "After that there are three calls abroad, which are not part of your plan.",
        "If you travel often, a different plan might save you quite a lot of money.",
        "I am going to put a note on your account so that nobody asks you this again.",
        "Could you tell me the date on the letter you received from us last week?",
        "That letter was sent by mistake, and I am sorry for the trouble it caused.",
        "We will take the late fee off your bill, and you will see the credit next month.",
        "While you are on the line, would you like me to check your address as well?",
        "The engineer can visit on Tuesday morning between eight and twelve o'clock.",
        "Please make sure that somebody is at home to let the engineer into the house.",
        "If the router still does not work after that, just call us back on this number.",
        "Most problems like this one are fixed by restarting the box and waiting a minute.",
        "Our shop in the high street can also swap the old router for a new one.",
        "Is there anything else I can help you with before we finish the call today?",
        "The weather has been very wet here, and many people have had trouble with their lines.",
        "A small team is working through the faults one street at a time this week.",
    ),
    "de": (
        "Vielen Dank für Ihren Anruf, mein Name ist Anna und ich helfe Ihnen heute gern weiter.",
        "Ich sehe, dass Ihre letzte Rechnung höher war als sonst, das schauen wir uns gemeinsam an.",
        "Der erste Betrag ist für das neue Telefon, das Sie Anfang des Monats bestellt haben.",
        "Danach kommen drei Gespräche ins Ausland, die nicht in Ihrem Tarif enthalten sind.",
        "Wenn Sie oft verreisen, könnte ein anderer Tarif Ihnen einiges an Geld sparen.",
        "Ich schreibe eine Notiz in Ihr Konto, damit niemand Sie noch einmal danach fragt.",
        "Können Sie mir sagen, welches Datum auf dem Brief steht, den Sie letzte Woche bekommen haben?",
        "Dieser Brief wurde leider aus Versehen verschickt, und das tut mir wirklich leid.",
        "Wir nehmen die Mahngebühr von Ihrer Rechnung, die Gutschrift sehen Sie im nächsten Monat.",
        "Der Techniker kann am Dienstag zwischen acht und zwölf Uhr bei Ihnen vorbeikommen.",
        "Bitte sorgen Sie dafür, dass dann jemand zu Hause ist und die Tür öffnen kann.",
        "Wenn der Router danach immer noch nicht geht, rufen Sie uns einfach wieder an.",
    ),
    "fr": (
        "Merci de votre appel, je m'appelle Claire et je vais m'occuper de votre dossier aujourd'hui.",
        "Je vois que votre dernière facture était plus élevée que d'habitude, regardons-la ensemble.",
        "La première ligne correspond au nouveau téléphone commandé au début du mois.",
        "Ensuite il y a trois appels vers l'étranger qui ne font pas partie de votre forfait.",
        "Si vous voyagez souvent, un autre forfait pourrait vous faire économiser pas mal d'argent.",
        "Je vais ajouter une note à votre dossier pour que personne ne vous le redemande.",
        "Pouvez-vous me donner la date de la lettre que vous avez reçue la semaine dernière?",
        "Cette lettre a été envoyée par erreur, et je suis désolée pour le dérangement.",
        "Nous allons retirer les frais de retard, vous verrez le crédit le mois prochain.",
        "Le technicien peut passer mardi matin entre huit heures et midi.",
        "Merci de vous assurer que quelqu'un sera à la maison pour lui ouvrir la porte.",
        "Si la box ne marche toujours pas après cela, rappelez-nous simplement à ce numéro.",
    ),
    "it": (
        "Grazie per aver chiamato, mi chiamo Marco e oggi mi occuperò io del suo contratto.",
        "Vedo che l'ultima bolletta era più alta del solito, quindi la guardiamo insieme.",
        "La prima voce riguarda il nuovo telefono ordinato all'inizio del mese.",
        "Poi ci sono tre chiamate verso l'estero che non sono comprese nella sua offerta.",
        "Se viaggia spesso, un'altra offerta potrebbe farle risparmiare parecchi soldi.",
        "Aggiungo una nota al suo contratto, così nessuno glielo chiederà di nuovo.",
        "Può dirmi la data della lettera che ha ricevuto da noi la settimana scorsa?",
        "Quella lettera è stata inviata per errore, e mi scuso per il disturbo.",
        "Togliamo la penale dalla bolletta e vedrà il rimborso il mese prossimo.",
        "Il tecnico può passare martedì mattina tra le otto e mezzogiorno.",
        "Si assicuri che ci sia qualcuno in casa per aprire la porta al tecnico.",
        "Se il modem non funziona ancora dopo, ci richiami pure a questo numero.",
    ),
    "es": (
        "Gracias por llamar, me llamo Lucía y hoy voy a ocuparme de su cuenta.",
        "Veo que su última factura fue más alta de lo normal, así que la revisamos juntos.",
        "El primer cargo es por el teléfono nuevo que pidió a principios de mes.",
        "Después hay tres llamadas al extranjero que no están incluidas en su tarifa.",
        "Si viaja a menudo, otra tarifa le podría ahorrar bastante dinero.",
        "Voy a dejar una nota en su cuenta para que nadie se lo vuelva a preguntar.",
        "¿Me puede decir la fecha de la carta que recibió de nosotros la semana pasada?",
        "Esa carta se envió por error, y siento mucho las molestias.",
        "Le quitamos el recargo de la factura y verá el abono el mes que viene.",
        "El técnico puede ir el martes por la mañana entre las ocho y las doce.",
        "Asegúrese de que haya alguien en casa para abrirle la puerta al técnico.",
        "Si el router sigue sin funcionar después, vuelva a llamarnos a este número.",
    ),
}


@dataclass(frozen=True)
class TtsVoice:
    """One synthetic speaker: the engine ("espeak-ng" or "flite"), its voice name, the language of its prose."""

    engine: str
    voice: str
    language: str
    tuned: bool

    @property
    def name(self) -> str:
        return f"{'espeak' if self.engine == 'espeak-ng' else 'flite'} {self.voice}"


VOICES = (
    TtsVoice("espeak-ng", "en+m3", "en", True),
    TtsVoice("espeak-ng", "de+f2", "de", True),
    TtsVoice("espeak-ng", "fr+m4", "fr", True),
    TtsVoice("flite", "slt", "en", True),
    TtsVoice("espeak-ng", "en-us+f3", "en", False),
    TtsVoice("espeak-ng", "en-gb-scotland+m2", "en", False),
    TtsVoice("espeak-ng", "it+f4", "it", False),
    TtsVoice("espeak-ng", "es+m1", "es", False),
    TtsVoice("flite", "kal16", "en", False),
    TtsVoice("flite", "awb", "en", False),
    TtsVoice("flite", "rms", "en", False),
)


def available() -> str | None:
    """None when both synthesisers are installed, else what to install."""
    missing = [program for program in ("espeak-ng", "flite") if shutil.which(program) is None]
    return f"install {' and '.join(missing)} (apt-get install {' '.join(missing)})" if missing else None


def _command(voice: TtsVoice, text: str, tempo: float, out: Path) -> list[str]:
    if voice.engine == "espeak-ng":
        return ["espeak-ng", "-v", voice.voice, "-s", str(round(ESPEAK_DEFAULT_WPM * tempo)), "-w", str(out), text]
    return ["flite", "-voice", voice.voice, "--setf", f"duration_stretch={1.0 / tempo:.4f}", "-t", text,
            "-o", str(out)]


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        rate_hz, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, np.int16).astype(np.float32) / 32768.0
    return samples if rate_hz == RATE_HZ else soxr.resample(samples, rate_hz, RATE_HZ).astype(np.float32)


@functools.cache
def sentence(voice: TtsVoice, index: int, tempo: float) -> np.ndarray:
    """One sentence of the voice's prose spoken at `tempo` times its default rate, 16 kHz, trimmed at -50 dBFS
    and scaled to a peak of -6 dBFS (synthesisers differ by 20 dB)."""
    with tempfile.TemporaryDirectory(prefix="calmcue-tts-") as folder:
        out = Path(folder) / "s.wav"
        subprocess.run(_command(voice, PROSE[voice.language][index], tempo, out), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = _read_wav(out)
    loud = np.flatnonzero(np.abs(samples) > 10.0 ** (TRIM_DBFS / 20.0))
    samples = samples[loud[0]:loud[-1] + 1] if loud.size else samples
    return (samples * (0.5 / max(float(np.max(np.abs(samples))), 1e-9))).astype(np.float32)


def calibration_count(voice: TtsVoice) -> int:
    """How many of the first sentences make up CALIBRATION_S at the natural rate."""
    total, count = 0.0, 0
    while total < CALIBRATION_S and count < len(PROSE[voice.language]) - 4:
        total += len(sentence(voice, count, 1.0)) / RATE_HZ
        count += 1
    return count


def spoken(voice: TtsVoice, *, natural_s: float, tempo: float, rng: np.random.Generator,
           calibration: bool = False) -> tuple[np.ndarray, float]:
    """(samples, true tempo): sentences that last `natural_s` at the voice's natural rate (with pauses), spoken at
    `tempo`; the calibration's sentences in order if `calibration`, else the others in random order (each once
    before any repeats). The choice depends on `rng` and `natural_s` only, so the same generator state gives the
    same words at every tempo. The true tempo is the sentences' natural duration over their duration here."""
    first = calibration_count(voice)
    pool = list(range(first)) if calibration else list(range(first, len(PROSE[voice.language])))
    order: list[int] = []
    pauses: list[float] = []
    total = 0.0
    while total < natural_s:
        batch = pool if calibration else [pool[i] for i in rng.permutation(len(pool))]
        for index in batch:
            if total >= natural_s:
                break
            order.append(index)
            pauses.append(float(rng.uniform(*PAUSE_S)))
            total += len(sentence(voice, index, 1.0)) / RATE_HZ + pauses[-1]
    parts: list[np.ndarray] = []
    for index, pause_s in zip(order, pauses, strict=True):
        parts += [sentence(voice, index, tempo), np.zeros(round(pause_s / tempo * RATE_HZ), np.float32)]
    natural = sum(len(sentence(voice, index, 1.0)) for index in order)
    fast = sum(len(sentence(voice, index, tempo)) for index in order)
    return np.concatenate(parts), natural / fast
