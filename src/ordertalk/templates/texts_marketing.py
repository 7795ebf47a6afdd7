"""Message bodies for broadcasts: marketing templates, sent only with marketing consent.

Unlike every other body, these may promote (they are submitted to Meta as MARKETING). What the
promotion is comes from the broadcast's own `params` (`offer`, `product`, `shop_url`), the same
for every recipient; the greeting and the store's name come from the contact and the store.
"""

from __future__ import annotations

MARKETING_BODIES: dict[str, dict[str, str]] = {
    # {{1}} customer name, {{2}} store, {{3}} the offer in the merchant's words, {{4}} link
    "offer": {
        "en": (
            "Hi {{1}}, there is something new at {{2}} for you: {{3}}. Have a look at {{4}} "
            "and tell us what you think!"
        ),
        "hi": (
            "नमस्ते {{1}}, आपके लिए {{2}} की ओर से कुछ नया है: {{3}}। यहाँ देखें: {{4}} और हमें अपनी राय बताएँ!"
        ),
        "es": (
            "¡Hola {{1}}! En {{2}} tenemos algo nuevo para ti: {{3}}. Échale un vistazo en "
            "{{4}} y cuéntanos qué te parece."
        ),
        "pt_BR": (
            "Olá {{1}}! A loja {{2}} tem uma novidade para você: {{3}}. Confira em {{4}} e "
            "conte para a gente o que achou!"
        ),
        "id": (
            "Halo {{1}}, ada yang baru dari {{2}} untuk Anda: {{3}}. Lihat di {{4}} dan kabari "
            "kami pendapat Anda!"
        ),
    },
    # {{1}} customer name, {{2}} product, {{3}} store, {{4}} link
    "back_in_stock": {
        "en": (
            "Good news, {{1}}! We have {{2}} back in stock at {{3}}. You can find it at {{4}} "
            "while it lasts."
        ),
        "hi": ("खुशखबरी {{1}}! अब {{2}} फिर से {{3}} पर उपलब्ध है। स्टॉक रहते इसे यहाँ देखें: {{4}} धन्यवाद!"),
        "es": (
            "¡Buenas noticias, {{1}}! Ya tenemos {{2}} de nuevo en {{3}}. Lo encuentras en "
            "{{4}} mientras haya existencias."
        ),
        "pt_BR": (
            "Boa notícia, {{1}}: o produto {{2}} voltou ao estoque na loja {{3}}. Você "
            "encontra em {{4}} enquanto durar o estoque."
        ),
        "id": (
            "Kabar baik, {{1}}: produk {{2}} sudah tersedia lagi di {{3}}. Anda bisa "
            "mendapatkannya di {{4}} selama stok masih ada."
        ),
    },
}
