"""Opt-out and opt-in keywords: whole-message STOP / START in the languages stores sell in."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    """What a customer asked for by keyword."""

    STOP = "STOP"  # no more messages (order updates and marketing)
    START = "START"  # messages back on


# Whole messages, written as customers type them; matching ignores case, accents, punctuation and
# emoji. A bare "cancel"/"cancelar" is deliberately absent: on an order thread it means "cancel my
# order", and treating it as an opt-out would silence the customer's own order updates.
_STOP_PHRASES = {
    # English
    "stop", "stop all", "stopall", "stop it", "unsubscribe", "unsub", "opt out", "optout",
    "cancel message", "cancel messages", "stop message", "stop messages", "stop messaging",
    "stop messaging me", "stop sending messages", "no more messages", "end", "quit",
    # Hindi (Devanagari), with the common spelling variants
    "बंद", "बन्द", "बंद करो", "बन्द करो", "बंद करें", "बंद करे", "बंद कर दो", "बंद कीजिए",
    "मैसेज बंद करो", "मैसेज बंद करें", "रोको", "रोकें", "रोक दो", "रुको", "रुकें",
    # Hindi (romanised)
    "band", "band karo", "band kro", "band karen", "band karein", "band kar do", "bandh karo",
    "message band karo", "msg band karo", "ruko", "roko", "rok do", "rokein",
    # Spanish
    "baja", "de baja", "dar de baja", "darme de baja", "quiero darme de baja", "parar", "para",
    "detener", "alto", "no mas mensajes", "no quiero mas mensajes",
    # Portuguese (shares "parar" and "para" with Spanish)
    "pare", "sair", "descadastrar", "descadastre", "cancelar inscricao", "nao quero mais",
    "nao quero mais mensagens", "parar mensagens",
    # Indonesian
    "berhenti", "henti", "hentikan", "berhenti langganan", "berhenti berlangganan",
    "batal langganan", "jangan kirim lagi", "stop langganan",
}  # fmt: skip

_START_PHRASES = {
    # English
    "start", "start again", "subscribe", "resubscribe", "unstop", "opt in", "optin", "resume",
    "start messages",
    # Hindi (Devanagari)
    "शुरू", "शुरु", "शुरू करो", "शुरु करो", "शुरू करें", "शुरू कर दो", "फिर से शुरू करो",
    "चालू करो", "चालू करें", "चालू",
    # Hindi (romanised)
    "shuru", "shuru karo", "shuru kro", "shuru karen", "shuru karein", "shuru kar do",
    "phir se shuru karo", "chalu karo", "chalu karen", "start karo",
    # Spanish
    "alta", "dar de alta", "darme de alta", "suscribir", "suscribirme", "reanudar", "empezar",
    "comenzar", "volver a suscribirme",
    # Portuguese
    "voltar", "comecar", "iniciar", "retomar", "assinar", "quero receber", "voltar a receber",
    # Indonesian
    "mulai", "mulai lagi", "langganan", "berlangganan", "lanjut", "lanjutkan",
}  # fmt: skip

# Politeness around the keyword ("STOP please", "tolong berhenti") does not change its meaning.
_FILLERS = (
    "please", "pls", "plz", "kindly", "now", "por favor", "porfa", "tolong", "mohon", "kripya",
    "कृपया", "ji", "जी", "bhai", "ok", "okay",
)  # fmt: skip

_SPACES = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """Casefolded, Latin accents dropped, punctuation/symbols/emoji as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Only Latin combining accents (U+0300–U+036F) go: Devanagari vowel signs are letters' parts.
    kept = "".join(ch for ch in decomposed if not 0x300 <= ord(ch) <= 0x36F)
    spaced = "".join(_letter_or_space(ch) for ch in unicodedata.normalize("NFC", kept))
    return _SPACES.sub(" ", spaced).strip()


def _letter_or_space(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""  # zero-width joiners sit inside Devanagari words; they are not word breaks
    return " " if category[0] in "PSZC" else ch


def _without_fillers(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for filler in _FILLERS:
            if text.startswith(filler + " "):
                text, changed = text[len(filler) + 1 :], True
            if text.endswith(" " + filler):
                text, changed = text[: -len(filler) - 1], True
    return text


_STOP = frozenset(_normalise(phrase) for phrase in _STOP_PHRASES)
_START = frozenset(_normalise(phrase) for phrase in _START_PHRASES)
assert not _STOP & _START, "a phrase cannot both stop and start messages"

# Longer than any keyword phrase with fillers: a paragraph is a conversation, not a keyword.
_MAX_KEYWORD_MESSAGE = 60


def match_keyword(text: str) -> Keyword | None:
    """The keyword a whole inbound message is, or None when it is anything else."""
    if len(text) > _MAX_KEYWORD_MESSAGE:
        return None
    normalised = _without_fillers(_normalise(text))
    if normalised in _STOP:
        return Keyword.STOP
    if normalised in _START:
        return Keyword.START
    return None


_BUTTON_PAYLOADS = {
    "ot:stop": Keyword.STOP,
    "ot:start": Keyword.START,
    "stop": Keyword.STOP,
    "start": Keyword.START,
}


def match_button_payload(payload: str | None) -> Keyword | None:
    """The keyword of a quick-reply payload: `ot:stop`, `ot:start`, or a plain STOP/START."""
    if payload is None:
        return None
    return _BUTTON_PAYLOADS.get(payload.strip().casefold())


# What changed and how to undo it, with the undo word the customer can reply in their language.
_CONFIRMATIONS: dict[str, dict[Keyword, str]] = {
    "en": {
        Keyword.STOP: (
            "Done: you won't get any more WhatsApp messages from us, order updates included. "
            "Reply START to turn them back on."
        ),
        Keyword.START: (
            "Done: your WhatsApp messages from us are back on. Reply STOP at any time to stop them."
        ),
    },
    "hi": {
        Keyword.STOP: (
            "ठीक है: अब आपको WhatsApp पर हमारे संदेश नहीं मिलेंगे, ऑर्डर अपडेट भी नहीं। "
            "फिर से चालू करने के लिए “शुरू करो” या START लिखें।"
        ),
        Keyword.START: (
            "ठीक है: WhatsApp पर हमारे संदेश फिर से चालू हो गए हैं। "
            "बंद करने के लिए कभी भी “बंद करो” या STOP लिखें।"
        ),
    },
    "es": {
        Keyword.STOP: (
            "Listo: ya no recibirás nuestros mensajes de WhatsApp, tampoco los avisos de tus "
            "pedidos. Responde ALTA para volver a recibirlos."
        ),
        Keyword.START: (
            "Listo: vuelves a recibir nuestros mensajes de WhatsApp. "
            "Responde BAJA cuando quieras dejar de recibirlos."
        ),
    },
    "pt": {
        Keyword.STOP: (
            "Pronto: você não vai mais receber nossas mensagens no WhatsApp, nem as atualizações "
            "dos seus pedidos. Responda VOLTAR para receber de novo."
        ),
        Keyword.START: (
            "Pronto: você voltou a receber nossas mensagens no WhatsApp. "
            "Responda PARAR quando quiser deixar de receber."
        ),
    },
    "id": {
        Keyword.STOP: (
            "Baik, Anda tidak akan menerima pesan WhatsApp dari kami lagi, termasuk kabar "
            "pesanan. Balas MULAI untuk mengaktifkannya kembali."
        ),
        Keyword.START: (
            "Baik, pesan WhatsApp dari kami aktif kembali. "
            "Balas BERHENTI kapan saja untuk menghentikannya."
        ),
    },
}


def confirmation_text(keyword: Keyword, language: str) -> str:
    """A short confirmation of `keyword` in `language` ("pt_BR" uses "pt"; unknown: English)."""
    base = language.replace("-", "_").split("_", 1)[0].casefold()
    return _CONFIRMATIONS.get(base, _CONFIRMATIONS["en"])[keyword]
