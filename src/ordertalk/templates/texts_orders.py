"""Message bodies about orders and payment, and the STOP/START service replies."""

from __future__ import annotations

ORDER_BODIES: dict[str, dict[str, str]] = {
    # {{1}} customer name, {{2}} store, {{3}} order number, {{4}} order total
    "order_confirmed": {
        "en": (
            "Hi {{1}}, thank you for shopping with {{2}}! Your order {{3}} is confirmed. "
            "Order total: {{4}}. We'll send you an update here as soon as it ships."
        ),
        "hi": (
            "नमस्ते {{1}}, खरीदारी के लिए धन्यवाद! {{2}} पर आपका ऑर्डर {{3}} कन्फ़र्म हो गया है। "
            "कुल राशि: {{4}}। ऑर्डर भेजे जाते ही हम आपको यहीं जानकारी देंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Gracias por tu compra en {{2}}. Tu pedido {{3}} está confirmado. "
            "Total: {{4}}. Te avisaremos por aquí en cuanto lo enviemos."
        ),
        "pt_BR": (
            "Olá {{1}}! Obrigado pela sua compra na loja {{2}}. Seu pedido {{3}} está confirmado. "
            "Valor total: {{4}}. Vamos avisar você por aqui assim que ele for enviado."
        ),
        "id": (
            "Halo {{1}}, terima kasih sudah berbelanja di {{2}}! Pesanan Anda {{3}} sudah "
            "dikonfirmasi. Total pesanan: {{4}}. Kami akan mengabari Anda di sini segera setelah "
            "pesanan dikirim."
        ),
    },
    # As order_confirmed, with the invoice PDF as the document header.
    "order_confirmed_invoice": {
        "en": (
            "Hi {{1}}, thank you for shopping with {{2}}! Your order {{3}} is confirmed. "
            "Order total: {{4}}. Your invoice is attached. We'll send you an update here as soon "
            "as it ships."
        ),
        "hi": (
            "नमस्ते {{1}}, खरीदारी के लिए धन्यवाद! {{2}} पर आपका ऑर्डर {{3}} कन्फ़र्म हो गया है। "
            "कुल राशि: {{4}}। आपका इनवॉइस इस मैसेज के साथ संलग्न है। ऑर्डर भेजे जाते ही हम आपको "
            "यहीं जानकारी देंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Gracias por tu compra en {{2}}. Tu pedido {{3}} está confirmado. "
            "Total: {{4}}. Te adjuntamos la factura. Te avisaremos por aquí en cuanto lo enviemos."
        ),
        "pt_BR": (
            "Olá {{1}}! Obrigado pela sua compra na loja {{2}}. Seu pedido {{3}} está confirmado. "
            "Valor total: {{4}}. A fatura segue em anexo. Vamos avisar você por aqui assim que "
            "ele for enviado."
        ),
        "id": (
            "Halo {{1}}, terima kasih sudah berbelanja di {{2}}! Pesanan Anda {{3}} sudah "
            "dikonfirmasi. Total pesanan: {{4}}. Faktur pembelian Anda terlampir. Kami akan "
            "mengabari Anda di sini segera setelah pesanan dikirim."
        ),
    },
    # {{1}} customer name, {{2}} store, {{3}} order number, {{4}} amount to pay on delivery
    "cod_confirmation": {
        "en": (
            "Hi {{1}}, thanks for your order at {{2}}! Order {{3}} is cash on delivery: please "
            "keep {{4}} ready when it arrives. Tap “Confirm order” so we can ship it, or "
            "“Cancel order” if you no longer need it."
        ),
        "hi": (
            "नमस्ते {{1}}, ऑर्डर करने के लिए धन्यवाद! {{2}} पर आपका ऑर्डर {{3}} कैश ऑन डिलीवरी "
            "(COD) है: डिलीवरी के समय {{4}} तैयार रखें। ऑर्डर भेजने के लिए “कन्फ़र्म करें” दबाएँ, "
            "या अगर अब इसकी ज़रूरत नहीं है तो “रद्द करें” दबाएँ।"
        ),
        "es": (
            "¡Hola {{1}}! Gracias por tu pedido en {{2}}. El pedido {{3}} es con pago contra "
            "entrega: ten a mano {{4}} para pagar cuando lo recibas. Toca «Confirmar» para que lo "
            "enviemos, o «Cancelar pedido» si ya no lo necesitas."
        ),
        "pt_BR": (
            "Olá {{1}}! Obrigado pela sua compra na loja {{2}}. O pedido {{3}} será pago na "
            "entrega: tenha {{4}} em mãos quando ele chegar. Toque em “Confirmar” para que "
            "possamos enviá-lo, ou em “Cancelar pedido” se não precisar mais dele."
        ),
        "id": (
            "Halo {{1}}, terima kasih sudah memesan di {{2}}. Pesanan {{3}} dibayar di tempat "
            "(COD): mohon siapkan {{4}} saat pesanan tiba. Ketuk “Konfirmasi” agar pesanan segera "
            "kami kirim, atau “Batalkan pesanan” jika Anda tidak membutuhkannya lagi."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} amount due, {{4}} payment / order page
    "payment_reminder": {
        "en": (
            "Hi {{1}}, your order {{2}} is waiting for payment. Amount due: {{3}}. Please complete "
            "the payment here so we can process your order: {{4}}\n\n"
            "If you've already paid, please ignore this message."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} भुगतान का इंतज़ार कर रहा है। बकाया राशि: {{3}}। ऑर्डर "
            "आगे बढ़ाने के लिए कृपया यहाँ भुगतान पूरा करें: {{4}}\n\n"
            "अगर आप भुगतान कर चुके हैं, तो इस मैसेज को अनदेखा करें।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} está pendiente de pago. Importe: {{3}}. Completa el pago "
            "aquí para que podamos procesarlo: {{4}}\n\n"
            "Si ya pagaste, ignora este mensaje."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} está aguardando pagamento. Valor: {{3}}. Conclua o "
            "pagamento aqui para darmos andamento ao pedido: {{4}}\n\n"
            "Se você já pagou, desconsidere esta mensagem."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} masih menunggu pembayaran. Jumlah: {{3}}. Silakan "
            "selesaikan pembayaran di sini agar pesanan dapat kami proses: {{4}}\n\n"
            "Jika Anda sudah membayar, abaikan pesan ini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} reason
    "order_cancelled": {
        "en": (
            "Hi {{1}}, your order {{2}} has been cancelled. Reason: {{3}}. If you paid online, "
            "the amount will be refunded to your original payment method. Reply to this message "
            "if you have any questions."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} रद्द कर दिया गया है। कारण: {{3}}। अगर आपने ऑनलाइन "
            "भुगतान किया था, तो राशि आपके मूल भुगतान माध्यम में वापस कर दी जाएगी। कोई सवाल हो तो "
            "इस मैसेज का जवाब दें।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} ha sido cancelado. Motivo: {{3}}. Si pagaste en línea, "
            "te reembolsaremos el importe en tu método de pago original. Si tienes alguna "
            "pregunta, responde a este mensaje."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} foi cancelado. Motivo: {{3}}. Se você pagou on-line, o "
            "valor será estornado para a forma de pagamento original. Em caso de dúvidas, "
            "responda a esta mensagem."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} telah dibatalkan. Alasan: {{3}}. Jika Anda sudah "
            "membayar secara online, dana akan dikembalikan ke metode pembayaran awal Anda. Balas "
            "pesan ini jika ada pertanyaan."
        ),
    },
    # Service replies (free-form only). {{1}} store. The local keywords are the ones
    # contacts.keywords understands.
    "optout_confirmed": {
        "en": (
            "You're unsubscribed: {{1}} won't send you any more WhatsApp messages, including "
            "order and delivery updates. Changed your mind? Reply START at any time to turn them "
            "back on."
        ),
        "hi": (
            "आपकी सदस्यता बंद कर दी गई है: {{1}} अब आपको WhatsApp पर कोई मैसेज नहीं भेजेगा, ऑर्डर "
            "और डिलीवरी अपडेट भी नहीं। इन्हें फिर से चालू करने के लिए कभी भी START या “शुरू करो” "
            "लिखकर भेजें।"
        ),
        "es": (
            "Listo, te diste de baja: {{1}} ya no te enviará mensajes por WhatsApp, tampoco los "
            "avisos de tus pedidos y entregas. ¿Cambiaste de opinión? Responde START o ALTA "
            "cuando quieras para volver a recibirlos."
        ),
        "pt_BR": (
            "Pronto, você cancelou a inscrição: {{1}} não vai mais enviar mensagens para você no "
            "WhatsApp, nem avisos de pedidos e entregas. Mudou de ideia? Responda START ou VOLTAR "
            "a qualquer momento para receber de novo."
        ),
        "id": (
            "Anda telah berhenti berlangganan: {{1}} tidak akan mengirim pesan WhatsApp lagi "
            "kepada Anda, termasuk kabar pesanan dan pengiriman. Berubah pikiran? Balas START atau "
            "MULAI kapan saja untuk mengaktifkannya kembali."
        ),
    },
    "optin_confirmed": {
        "en": (
            "You're subscribed again: {{1}} will send you order and delivery updates here on "
            "WhatsApp. To stop them at any time, reply STOP."
        ),
        "hi": (
            "आपकी सदस्यता फिर से चालू हो गई है: {{1}} आपको यहीं WhatsApp पर ऑर्डर और डिलीवरी "
            "अपडेट भेजेगा। इन्हें कभी भी बंद करने के लिए STOP या “बंद करो” लिखकर भेजें।"
        ),
        "es": (
            "¡Listo! Volviste a suscribirte: {{1}} te enviará por WhatsApp los avisos de tus "
            "pedidos y entregas. Para dejar de recibirlos, responde STOP o BAJA cuando quieras."
        ),
        "pt_BR": (
            "Pronto, você voltou a se inscrever: {{1}} vai enviar avisos dos seus pedidos e "
            "entregas aqui no WhatsApp. Para parar de receber, responda STOP ou PARAR a qualquer "
            "momento."
        ),
        "id": (
            "Anda telah berlangganan kembali: {{1}} akan mengirim kabar pesanan dan pengiriman di "
            "WhatsApp ini. Untuk berhenti kapan saja, balas STOP atau BERHENTI."
        ),
    },
}
