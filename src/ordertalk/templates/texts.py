"""The words of every message: shared pieces here, bodies in the ``texts_*`` modules.

Rules every body follows (checked by tests/templates): placeholders ``{{1}}..{{n}}`` appear in
ascending order, never at the very start or end and never next to each other; no promotion of
any kind outside the marketing bodies (utility templates that sell get re-categorised as
marketing by Meta); the customer is greeted by name, and a missing name reads naturally with the
neutral fallback below.
"""

from __future__ import annotations

from ordertalk.templates.texts_marketing import MARKETING_BODIES
from ordertalk.templates.texts_orders import ORDER_BODIES
from ordertalk.templates.texts_returns import RETURN_BODIES
from ordertalk.templates.texts_shipping import SHIPPING_BODIES

LANGUAGES: tuple[str, ...] = ("en", "hi", "es", "pt_BR", "id")

BODIES: dict[str, dict[str, str]] = {
    **ORDER_BODIES,
    **SHIPPING_BODIES,
    **RETURN_BODIES,
    **MARKETING_BODIES,
}

# Every template ends with how to stop updates (the STOP keyword works in every language).
FOOTERS: dict[str, str] = {
    "en": "Reply STOP to opt out of these updates",
    "hi": "ये अपडेट बंद करने के लिए STOP लिखें",
    "es": "Responde STOP para dejar de recibir estos avisos",
    "pt_BR": "Responda STOP para não receber mais estes avisos",
    "id": "Balas STOP untuk berhenti menerima kabar ini",
}

# The STOP/START confirmations are that footer's answer: they carry no footer of their own.
NO_FOOTER = frozenset({"optout_confirmed", "optin_confirmed"})

HEADERS: dict[str, dict[str, str]] = {
    "cod_confirmation": {
        "en": "Please confirm your order",
        "hi": "कृपया अपना ऑर्डर कन्फ़र्म करें",
        "es": "Confirma tu pedido",
        "pt_BR": "Confirme seu pedido",
        "id": "Konfirmasi pesanan Anda",
    },
    "delivery_attempt_failed": {
        "en": "Delivery attempt unsuccessful",
        "hi": "डिलीवरी नहीं हो सकी",
        "es": "No pudimos entregar tu pedido",
        "pt_BR": "Não conseguimos entregar seu pedido",
        "id": "Pengiriman belum berhasil",
    },
}

# Quick-reply labels by payload prefix (at most 20 characters: the interactive-button limit).
LABELS: dict[str, dict[str, str]] = {
    "cod:confirm": {
        "en": "Confirm order",
        "hi": "कन्फ़र्म करें",
        "es": "Confirmar",
        "pt_BR": "Confirmar",
        "id": "Konfirmasi",
    },
    "cod:cancel": {
        "en": "Cancel order",
        "hi": "रद्द करें",
        "es": "Cancelar pedido",
        "pt_BR": "Cancelar pedido",
        "id": "Batalkan pesanan",
    },
    "ndr:reattempt": {
        "en": "Reattempt delivery",
        "hi": "दोबारा डिलीवरी",
        "es": "Reintentar entrega",
        "pt_BR": "Nova tentativa",
        "id": "Kirim ulang",
    },
    "ndr:address": {
        "en": "Change address",
        "hi": "पता बदलें",
        "es": "Cambiar dirección",
        "pt_BR": "Alterar endereço",
        "id": "Ubah alamat",
    },
    "ndr:cancel": {
        "en": "Cancel order",
        "hi": "ऑर्डर रद्द करें",
        "es": "Cancelar pedido",
        "pt_BR": "Cancelar pedido",
        "id": "Batalkan pesanan",
    },
    # Opens the 0–10 list (typing the number works as well).
    "fb:rate": {
        "en": "Rate your order",
        "hi": "रेटिंग दें",
        "es": "Valorar pedido",
        "pt_BR": "Avaliar pedido",
        "id": "Beri nilai",
    },
}

# What an optional value reads as when it is missing; each fits every body that names the field.
FALLBACKS: dict[str, dict[str, str]] = {
    # "Hi there," / "नमस्ते जी," / "¡Hola 👋!" / "Olá 👋!" / "Halo Kak,"
    "customer_name": {"en": "there", "hi": "जी", "es": "👋", "pt_BR": "👋", "id": "Kak"},
    "carrier": {
        "en": "our delivery partner",
        "hi": "हमारा डिलीवरी पार्टनर",
        "es": "nuestra empresa de mensajería",
        "pt_BR": "nosso parceiro de entregas",
        "id": "mitra pengiriman kami",
    },
    "edd": {"en": "soon", "hi": "जल्द ही", "es": "pronto", "pt_BR": "em breve", "id": "segera"},
    # Follows a label ("Delivery time: not recorded"): it never claims a time.
    "event_time": {
        "en": "not recorded",
        "hi": "दर्ज नहीं",
        "es": "sin registrar",
        "pt_BR": "não registrado",
        "id": "tidak tercatat",
    },
    "reason": {
        "en": "not specified",
        "hi": "नहीं बताया गया",
        "es": "no especificado",
        "pt_BR": "não informado",
        "id": "tidak disebutkan",
    },
}

# Shown to Meta's reviewers as example values (with the language's own formatting applied).
SAMPLE_NAMES: dict[str, str] = {
    "en": "Priya",
    "hi": "प्रिया",
    "es": "Lucía",
    "pt_BR": "Ana",
    "id": "Budi",
}
SAMPLE_REASONS: dict[str, str] = {
    "en": "Customer not available",
    "hi": "ग्राहक उपलब्ध नहीं थे",
    "es": "Cliente ausente",
    "pt_BR": "Destinatário ausente",
    "id": "Penerima tidak di tempat",
}
# A broadcast's own values, as the examples Meta's reviewers see for the marketing templates.
SAMPLE_OFFERS: dict[str, str] = {
    "en": "our monsoon collection, with 20% off until Sunday",
    "hi": "हमारा मानसून कलेक्शन, रविवार तक 20% छूट के साथ",
    "es": "nuestra colección de otoño, con 20% de descuento hasta el domingo",
    "pt_BR": "nossa coleção de inverno, com 20% de desconto até domingo",
    "id": "koleksi musim hujan kami, diskon 20% sampai hari Minggu",
}
SAMPLE_PRODUCTS: dict[str, str] = {
    "en": "the Assam tea gift box",
    "hi": "असम चाय गिफ़्ट बॉक्स",
    "es": "la caja de regalo de té Assam",
    "pt_BR": "a caixa de presente de chá Assam",
    "id": "kotak hadiah teh Assam",
}
