"""What the bot says, in the five languages it understands (English is the fallback)."""

from __future__ import annotations

from ordertalk.conversations.texts_flows import FLOW_REPLIES

REPLIES: dict[str, dict[str, str]] = {
    "wismo": {
        "en": "Order {order}: {status}.{edd}{tracking}",
        "hi": "ऑर्डर {order}: {status}।{edd}{tracking}",
        "es": "Pedido {order}: {status}.{edd}{tracking}",
        "pt": "Pedido {order}: {status}.{edd}{tracking}",
        "id": "Pesanan {order}: {status}.{edd}{tracking}",
    },
    "edd": {
        "en": " Expected by {date}.",
        "hi": " अनुमानित डिलीवरी: {date}।",
        "es": " Llegada prevista: {date}.",
        "pt": " Previsão de entrega: {date}.",
        "id": " Perkiraan tiba: {date}.",
    },
    "tracking": {
        "en": " Track it: {link}",
        "hi": " ट्रैक करें: {link}",
        "es": " Síguelo aquí: {link}",
        "pt": " Acompanhe: {link}",
        "id": " Lacak di: {link}",
    },
    "no_orders": {
        "en": "I can't find an order for this WhatsApp number. Send your order number "
        '(like #1001), or write "agent" to talk to a person.',
        "hi": "इस WhatsApp नंबर पर कोई ऑर्डर नहीं मिला। अपना ऑर्डर नंबर भेजें (जैसे #1001), "
        'या किसी व्यक्ति से बात करने के लिए "agent" लिखें।',
        "es": "No encuentro pedidos para este número de WhatsApp. Envía tu número de pedido "
        '(como #1001) o escribe "agente" para hablar con una persona.',
        "pt": "Não encontrei pedidos para este número de WhatsApp. Envie o número do pedido "
        '(como #1001) ou escreva "atendente" para falar com uma pessoa.',
        "id": "Saya tidak menemukan pesanan untuk nomor WhatsApp ini. Kirim nomor pesanan "
        '(misalnya #1001), atau tulis "admin" untuk bicara dengan petugas.',
    },
    "unknown_order": {
        "en": "I can't find order {order} for this WhatsApp number. Please check the number, "
        'or write "agent" to talk to a person.',
        "hi": "इस WhatsApp नंबर पर ऑर्डर {order} नहीं मिला। नंबर जाँच लें, या किसी व्यक्ति से "
        'बात करने के लिए "agent" लिखें।',
        "es": "No encuentro el pedido {order} para este número de WhatsApp. Revisa el número o "
        'escribe "agente" para hablar con una persona.',
        "pt": "Não encontrei o pedido {order} para este número de WhatsApp. Confira o número ou "
        'escreva "atendente" para falar com uma pessoa.',
        "id": "Pesanan {order} tidak ditemukan untuk nomor WhatsApp ini. Periksa nomornya, "
        'atau tulis "admin" untuk bicara dengan petugas.',
    },
    "handoff": {
        "en": "Connecting you to a person at {store}. They will reply here.",
        "hi": "आपको {store} के किसी व्यक्ति से जोड़ रहे हैं। वे यहीं जवाब देंगे।",
        "es": "Te paso con una persona de {store}. Te responderá aquí.",
        "pt": "Vou te passar para uma pessoa da {store}. Ela vai responder aqui.",
        "id": "Menghubungkan Anda dengan petugas {store}. Mereka akan membalas di sini.",
    },
    "menu": {
        "en": "Hi! I can tell you where your order is, or put you in touch with a person.",
        "hi": "नमस्ते! मैं बता सकता हूँ कि आपका ऑर्डर कहाँ है, या आपको किसी व्यक्ति से जोड़ सकता हूँ।",
        "es": "¡Hola! Puedo decirte dónde está tu pedido o ponerte con una persona.",
        "pt": "Olá! Posso dizer onde está seu pedido ou te passar para uma pessoa.",
        "id": "Halo! Saya bisa memberi tahu posisi pesanan Anda, atau menghubungkan ke petugas.",
    },
    "button_wismo": {
        "en": "Where's my order?",
        "hi": "मेरा ऑर्डर कहाँ है?",
        "es": "Mi pedido",
        "pt": "Meu pedido",
        "id": "Pesanan saya?",
    },
    "button_human": {
        "en": "Talk to a person",
        "hi": "व्यक्ति से बात",
        "es": "Hablar con alguien",
        "pt": "Falar com alguém",
        "id": "Bicara petugas",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "placed": {
        "en": "received, not shipped yet",
        "hi": "मिल गया है, अभी भेजा नहीं गया",
        "es": "recibido, aún sin enviar",
        "pt": "recebido, ainda não enviado",
        "id": "diterima, belum dikirim",
    },
    "order_confirmed": {
        "en": "confirmed, being prepared",
        "hi": "कन्फ़र्म है, तैयार हो रहा है",
        "es": "confirmado, en preparación",
        "pt": "confirmado, em preparação",
        "id": "dikonfirmasi, sedang disiapkan",
    },
    "packed": {
        "en": "packed, about to ship",
        "hi": "पैक हो गया है, जल्द भेजा जाएगा",
        "es": "empaquetado, a punto de salir",
        "pt": "embalado, prestes a sair",
        "id": "sudah dikemas, segera dikirim",
    },
    "dispatched": {
        "en": "shipped",
        "hi": "भेज दिया गया है",
        "es": "enviado",
        "pt": "enviado",
        "id": "sudah dikirim",
    },
    "in_transit": {
        "en": "on its way",
        "hi": "रास्ते में है",
        "es": "en camino",
        "pt": "a caminho",
        "id": "dalam perjalanan",
    },
    "out_for_delivery": {
        "en": "out for delivery today",
        "hi": "आज डिलीवरी के लिए निकला है",
        "es": "en reparto hoy",
        "pt": "saiu para entrega hoje",
        "id": "sedang diantar hari ini",
    },
    "delivery_attempt_failed": {
        "en": "a delivery attempt failed; we will try again",
        "hi": "डिलीवरी नहीं हो सकी; फिर से कोशिश होगी",
        "es": "no se pudo entregar; lo intentaremos de nuevo",
        "pt": "a entrega não foi possível; vamos tentar de novo",
        "id": "pengantaran gagal; akan dicoba lagi",
    },
    "ready_for_pickup": {
        "en": "ready for pickup",
        "hi": "पिकअप के लिए तैयार है",
        "es": "listo para recoger",
        "pt": "pronto para retirada",
        "id": "siap diambil",
    },
    "delivered": {
        "en": "delivered",
        "hi": "डिलीवर हो गया है",
        "es": "entregado",
        "pt": "entregue",
        "id": "sudah diterima",
    },
    "returning": {
        "en": "being returned to us",
        "hi": "हमें वापस आ रहा है",
        "es": "en devolución hacia nosotros",
        "pt": "voltando para nós",
        "id": "sedang dikembalikan ke kami",
    },
    "cancelled": {
        "en": "cancelled",
        "hi": "रद्द हो गया है",
        "es": "cancelado",
        "pt": "cancelado",
        "id": "dibatalkan",
    },
}


REPLIES.update(FLOW_REPLIES)


def base_language(language: str | None) -> str:
    """ "pt_BR" → "pt", "hi-IN" → "hi"; English for anything the bot does not speak."""
    base = (language or "en").replace("-", "_").split("_")[0].lower()
    return base if base in REPLIES["menu"] else "en"


def say(key: str, language: str | None, **values: str) -> str:
    """A reply in the customer's language."""
    by_language = REPLIES[key]
    return by_language.get(base_language(language), by_language["en"]).format(**values)


def status_words(status: str, language: str | None) -> str:
    """How a milestone reads to the customer."""
    return STATUS[status][base_language(language)]
