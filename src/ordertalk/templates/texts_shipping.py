"""Message bodies about a shipment, from packing to delivery (or return to origin)."""

from __future__ import annotations

SHIPPING_BODIES: dict[str, dict[str, str]] = {
    # {{1}} customer name, {{2}} order number
    "shipment_packed": {
        "en": (
            "Hi {{1}}, your order {{2}} has been packed and will be handed to the courier soon. "
            "We'll send you the tracking details as soon as it ships."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} पैक हो गया है और जल्द ही कूरियर को सौंप दिया जाएगा। "
            "ऑर्डर भेजे जाते ही हम आपको ट्रैकिंग की जानकारी भेजेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} ya está empaquetado y pronto lo entregaremos al "
            "transportista. Te enviaremos los datos de seguimiento en cuanto salga."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} já foi embalado e logo será entregue à transportadora. "
            "Enviaremos os dados de rastreamento assim que ele for despachado."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} sudah dikemas dan akan segera diserahkan ke kurir. "
            "Kami akan mengirimkan info pelacakan begitu pesanan dikirim."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} carrier, {{4}} tracking number,
    # {{5}} expected delivery, {{6}} tracking link
    "shipment_dispatched": {
        "en": (
            "Hi {{1}}, your order {{2}} is on its way!\n\n"
            "Courier: {{3}}\nTracking number: {{4}}\nExpected delivery: {{5}}\n"
            "Track your parcel: {{6}}\n\nWe'll keep you posted here."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} भेज दिया गया है!\n\n"
            "कूरियर: {{3}}\nट्रैकिंग नंबर: {{4}}\nअनुमानित डिलीवरी: {{5}}\n"
            "पार्सल ट्रैक करें: {{6}}\n\nहम आपको यहीं अपडेट देते रहेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} ya va en camino.\n\n"
            "Transportista: {{3}}\nNúmero de seguimiento: {{4}}\nEntrega estimada: {{5}}\n"
            "Sigue tu paquete: {{6}}\n\nTe mantendremos al tanto por aquí."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} está a caminho.\n\n"
            "Transportadora: {{3}}\nCódigo de rastreio: {{4}}\nPrevisão de entrega: {{5}}\n"
            "Acompanhe a entrega: {{6}}\n\nVamos manter você informado por aqui."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} sedang dalam perjalanan!\n\n"
            "Kurir: {{3}}\nNomor resi: {{4}}\nPerkiraan tiba: {{5}}\n"
            "Lacak paket: {{6}}\n\nKami akan terus mengabari Anda di sini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} expected delivery
    "shipment_in_transit": {
        "en": (
            "Hi {{1}}, your order {{2}} is in transit. Expected delivery: {{3}}. "
            "We'll let you know when it's out for delivery."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} रास्ते में है। अनुमानित डिलीवरी: {{3}}। "
            "डिलीवरी के लिए निकलते ही हम आपको बताएँगे।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} está en tránsito. Entrega estimada: {{3}}. "
            "Te avisaremos cuando salga para la entrega."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} está em trânsito. Previsão de entrega: {{3}}. "
            "Avisaremos quando ele sair para entrega."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} sedang dalam perjalanan. Perkiraan tiba: {{3}}. "
            "Kami akan mengabari Anda saat pesanan sedang diantar ke alamat Anda."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} reason, {{4}} new expected delivery
    "shipment_delayed": {
        "en": (
            "Hi {{1}}, we're sorry: your order {{2}} is running late. Reason: {{3}}. "
            "New expected delivery: {{4}}. We'll keep you updated here."
        ),
        "hi": (
            "नमस्ते {{1}}, हमें खेद है कि आपके ऑर्डर {{2}} की डिलीवरी में देरी हो रही है। "
            "कारण: {{3}}। नई अनुमानित डिलीवरी: {{4}}। हम आपको यहीं अपडेट देते रहेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Lo sentimos: tu pedido {{2}} viene con retraso. Motivo: {{3}}. "
            "Nueva fecha estimada de entrega: {{4}}. Te mantendremos al tanto por aquí."
        ),
        "pt_BR": (
            "Olá {{1}}! Pedimos desculpas: seu pedido {{2}} está atrasado. Motivo: {{3}}. "
            "Nova previsão de entrega: {{4}}. Vamos manter você informado por aqui."
        ),
        "id": (
            "Halo {{1}}, mohon maaf, pengiriman pesanan Anda {{2}} mengalami keterlambatan. "
            "Alasan: {{3}}. Perkiraan tiba terbaru: {{4}}. Kami akan terus mengabari Anda di sini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} carrier, {{4}} the carrier's note
    "shipment_exception": {
        "en": (
            "Hi {{1}}, there's an issue with the delivery of your order {{2}}.\n\n"
            "Courier: {{3}}\nDetails: {{4}}\n\n"
            "We're working to resolve it and will update you here. If you need help, just reply "
            "to this message."
        ),
        "hi": (
            "नमस्ते {{1}}, आपके ऑर्डर {{2}} की डिलीवरी में एक समस्या आई है।\n\n"
            "कूरियर: {{3}}\nजानकारी: {{4}}\n\n"
            "हम इसे सुलझाने में लगे हैं और आपको यहीं अपडेट देंगे। मदद चाहिए तो इस मैसेज का जवाब दें।"
        ),
        "es": (
            "¡Hola {{1}}! Hay un problema con la entrega de tu pedido {{2}}.\n\n"
            "Transportista: {{3}}\nDetalles: {{4}}\n\n"
            "Estamos trabajando para resolverlo y te informaremos por aquí. Si necesitas ayuda, "
            "responde a este mensaje."
        ),
        "pt_BR": (
            "Olá {{1}}! Houve um problema na entrega do seu pedido {{2}}.\n\n"
            "Transportadora: {{3}}\nDetalhes: {{4}}\n\n"
            "Já estamos trabalhando para resolver e avisaremos você por aqui. Se precisar de "
            "ajuda, é só responder a esta mensagem."
        ),
        "id": (
            "Halo {{1}}, ada kendala dalam pengiriman pesanan Anda {{2}}.\n\n"
            "Kurir: {{3}}\nKeterangan: {{4}}\n\n"
            "Kami sedang berupaya menyelesaikannya dan akan mengabari Anda di sini. Jika butuh "
            "bantuan, cukup balas pesan ini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} carrier
    "out_for_delivery": {
        "en": (
            "Hi {{1}}, your order {{2}} is out for delivery today with {{3}}. Please keep your "
            "phone handy so the courier can reach you."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} आज डिलीवरी के लिए निकल चुका है। कूरियर: {{3}}। कृपया "
            "अपना फ़ोन पास रखें ताकि कूरियर आपसे संपर्क कर सके।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} se entrega hoy: ya va en camino con {{3}}. Ten tu "
            "teléfono a mano por si el repartidor necesita llamarte."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} saiu para entrega hoje. Transportadora: {{3}}. Deixe o "
            "celular por perto para o entregador conseguir falar com você."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} sedang diantar hari ini oleh {{3}}. Mohon pastikan "
            "ponsel Anda aktif agar kurir dapat menghubungi Anda."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} reason; quick replies follow
    "delivery_attempt_failed": {
        "en": (
            "Hi {{1}}, the courier tried to deliver your order {{2}} but couldn't complete the "
            "delivery. Reason: {{3}}. What should we do next? Choose an option below: reattempt "
            "delivery, change the address, or cancel the order."
        ),
        "hi": (
            "नमस्ते {{1}}, कूरियर ने आपका ऑर्डर {{2}} डिलीवर करने की कोशिश की, लेकिन डिलीवरी नहीं "
            "हो सकी। कारण: {{3}}। आगे क्या करें? नीचे एक विकल्प चुनें: दोबारा डिलीवरी, पता बदलें, "
            "या ऑर्डर रद्द करें।"
        ),
        "es": (
            "¡Hola {{1}}! El repartidor intentó entregar tu pedido {{2}}, pero no fue posible. "
            "Motivo: {{3}}. ¿Qué hacemos ahora? Elige una opción: reintentar la entrega, cambiar "
            "la dirección o cancelar el pedido."
        ),
        "pt_BR": (
            "Olá {{1}}! O entregador tentou entregar seu pedido {{2}}, mas não conseguiu. "
            "Motivo: {{3}}. Como você prefere seguir? Escolha uma opção: nova tentativa de "
            "entrega, alterar o endereço ou cancelar o pedido."
        ),
        "id": (
            "Halo {{1}}, kurir sudah mencoba mengantar pesanan Anda {{2}}, tetapi pengiriman "
            "belum berhasil. Alasan: {{3}}. Apa yang sebaiknya kami lakukan? Pilih salah satu: "
            "kirim ulang, ubah alamat, atau batalkan pesanan."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} carrier
    "ready_for_pickup": {
        "en": (
            "Hi {{1}}, your order {{2}} is ready for pickup. Courier: {{3}}. Please bring your "
            "order number and a photo ID when you collect it."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} पिकअप के लिए तैयार है। कूरियर: {{3}}। लेने आते समय "
            "अपना ऑर्डर नंबर और कोई फ़ोटो पहचान पत्र साथ लाएँ।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} ya está listo para recoger. Transportista: {{3}}. "
            "Cuando vayas a buscarlo, lleva el número de pedido y un documento de identidad."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} já está disponível para retirada. Transportadora: {{3}}. "
            "Na hora de retirar, leve o número do pedido e um documento com foto."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} sudah siap diambil. Kurir: {{3}}. Saat mengambil, "
            "bawa nomor pesanan dan kartu identitas berfoto."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} when it was delivered
    "delivered": {
        "en": (
            "Hi {{1}}, your order {{2}} has been delivered.\n\nDelivery time: {{3}}\n\n"
            "If anything isn't right with it, just reply to this message and we'll help."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} डिलीवर हो गया है।\n\nडिलीवरी का समय: {{3}}\n\n"
            "अगर इसमें कोई दिक्कत हो, तो बस इस मैसेज का जवाब दें, हम मदद करेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Tu pedido {{2}} ha sido entregado.\n\nHora de entrega: {{3}}\n\n"
            "Si algo no está bien, responde a este mensaje y te ayudaremos."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu pedido {{2}} foi entregue.\n\nHorário da entrega: {{3}}\n\n"
            "Se algo não estiver certo, é só responder a esta mensagem que ajudamos você."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} telah sampai di tujuan.\n\nWaktu tiba: {{3}}\n\n"
            "Jika ada kendala, cukup balas pesan ini dan kami akan membantu."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} reason
    "rto_initiated": {
        "en": (
            "Hi {{1}}, we couldn't deliver your order {{2}}, so it is being returned to us. "
            "Reason: {{3}}. If you paid online, we'll refund you once it reaches us. Reply to "
            "this message if you have any questions."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका ऑर्डर {{2}} डिलीवर नहीं हो सका, इसलिए इसे हमें वापस भेजा जा रहा "
            "है। कारण: {{3}}। अगर आपने ऑनलाइन भुगतान किया था, तो ऑर्डर हम तक पहुँचते ही आपको "
            "रिफ़ंड कर दिया जाएगा। कोई सवाल हो तो इस मैसेज का जवाब दें।"
        ),
        "es": (
            "¡Hola {{1}}! No pudimos entregar tu pedido {{2}}, así que nos lo están devolviendo. "
            "Motivo: {{3}}. Si pagaste en línea, te reembolsaremos cuando nos llegue. Si tienes "
            "alguna pregunta, responde a este mensaje."
        ),
        "pt_BR": (
            "Olá {{1}}! Não conseguimos entregar seu pedido {{2}}, por isso ele está voltando "
            "para nós. Motivo: {{3}}. Se você pagou on-line, faremos o reembolso assim que ele "
            "chegar. Em caso de dúvidas, responda a esta mensagem."
        ),
        "id": (
            "Halo {{1}}, pesanan Anda {{2}} tidak dapat diantar sehingga sedang dikembalikan "
            "kepada kami. Alasan: {{3}}. Jika Anda sudah membayar secara online, dana akan kami "
            "kembalikan setelah paket kami terima. Balas pesan ini jika ada pertanyaan."
        ),
    },
    # {{1}} customer name, {{2}} order number
    "lost_or_damaged": {
        "en": (
            "Hi {{1}}, we're very sorry: your order {{2}} was lost or damaged in transit. We'll "
            "contact you about a replacement or a refund. You can also reply to this message at "
            "any time."
        ),
        "hi": (
            "नमस्ते {{1}}, हमें बहुत खेद है: आपका ऑर्डर {{2}} रास्ते में खो गया या क्षतिग्रस्त हो "
            "गया। बदले में नया सामान या रिफ़ंड देने के लिए हम आपसे संपर्क करेंगे। आप कभी भी इस "
            "मैसेज का जवाब भी दे सकते हैं।"
        ),
        "es": (
            "¡Hola {{1}}! Lo sentimos mucho: tu pedido {{2}} se perdió o sufrió daños durante el "
            "transporte. Nos pondremos en contacto contigo para gestionar un reemplazo o un "
            "reembolso. También puedes responder a este mensaje cuando quieras."
        ),
        "pt_BR": (
            "Olá {{1}}! Sentimos muito: seu pedido {{2}} foi extraviado ou danificado durante o "
            "transporte. Entraremos em contato para providenciar a troca ou o reembolso. Você "
            "também pode responder a esta mensagem a qualquer momento."
        ),
        "id": (
            "Halo {{1}}, kami mohon maaf: pesanan Anda {{2}} hilang atau rusak dalam pengiriman. "
            "Kami akan menghubungi Anda untuk penggantian barang atau pengembalian dana. Anda "
            "juga bisa membalas pesan ini kapan saja."
        ),
    },
}
