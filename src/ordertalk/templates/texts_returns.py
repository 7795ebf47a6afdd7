"""Message bodies about returns, refunds and the post-delivery rating request."""

from __future__ import annotations

RETURN_BODIES: dict[str, dict[str, str]] = {
    # {{1}} customer name, {{2}} order number
    "return_requested": {
        "en": (
            "Hi {{1}}, we've received your return request for order {{2}}. We'll review it and "
            "send you the next steps here."
        ),
        "hi": (
            "नमस्ते {{1}}, हमें ऑर्डर {{2}} के लिए आपका रिटर्न अनुरोध मिल गया है। हम इसकी जाँच "
            "करके आगे की जानकारी यहीं भेजेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Hemos recibido tu solicitud de devolución del pedido {{2}}. La "
            "revisaremos y te enviaremos los siguientes pasos por aquí."
        ),
        "pt_BR": (
            "Olá {{1}}! Recebemos sua solicitação de devolução do pedido {{2}}. Vamos analisá-la "
            "e enviar os próximos passos por aqui."
        ),
        "id": (
            "Halo {{1}}, permintaan pengembalian untuk pesanan {{2}} sudah kami terima. Kami akan "
            "meninjaunya dan mengirimkan langkah selanjutnya di sini."
        ),
    },
    # {{1}} customer name, {{2}} order number
    "return_approved": {
        "en": (
            "Hi {{1}}, your return request for order {{2}} has been approved. Please pack the "
            "item securely, with all its tags and accessories. We'll send you the next steps here "
            "shortly."
        ),
        "hi": (
            "नमस्ते {{1}}, ऑर्डर {{2}} के लिए आपका रिटर्न अनुरोध स्वीकार कर लिया गया है। कृपया "
            "सामान को सभी टैग और एक्सेसरीज़ के साथ अच्छी तरह पैक कर लें। आगे की जानकारी हम जल्द ही "
            "यहीं भेजेंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Hemos aprobado tu solicitud de devolución del pedido {{2}}. Empaqueta "
            "bien el artículo, con todas sus etiquetas y accesorios. Pronto te enviaremos los "
            "siguientes pasos por aquí."
        ),
        "pt_BR": (
            "Olá {{1}}! Sua solicitação de devolução do pedido {{2}} foi aprovada. Embale bem o "
            "produto, com todas as etiquetas e acessórios. Em breve enviaremos os próximos passos "
            "por aqui."
        ),
        "id": (
            "Halo {{1}}, permintaan pengembalian untuk pesanan {{2}} telah disetujui. Mohon kemas "
            "barang dengan rapi beserta semua label dan aksesorinya. Kami akan segera mengirimkan "
            "langkah selanjutnya di sini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} reason
    "return_rejected": {
        "en": (
            "Hi {{1}}, we're sorry, but we couldn't approve your return request for order {{2}}. "
            "Reason: {{3}}. If you have any questions, just reply to this message."
        ),
        "hi": (
            "नमस्ते {{1}}, हमें खेद है, ऑर्डर {{2}} के लिए आपका रिटर्न अनुरोध स्वीकार नहीं किया जा "
            "सका। कारण: {{3}}। कोई सवाल हो तो बस इस मैसेज का जवाब दें।"
        ),
        "es": (
            "¡Hola {{1}}! Lo sentimos, pero no hemos podido aprobar tu solicitud de devolución "
            "del pedido {{2}}. Motivo: {{3}}. Si tienes alguna pregunta, responde a este mensaje."
        ),
        "pt_BR": (
            "Olá {{1}}! Infelizmente, não foi possível aprovar sua solicitação de devolução do "
            "pedido {{2}}. Motivo: {{3}}. Se tiver dúvidas, é só responder a esta mensagem."
        ),
        "id": (
            "Halo {{1}}, mohon maaf, permintaan pengembalian untuk pesanan {{2}} tidak dapat kami "
            "setujui. Alasan: {{3}}. Jika ada pertanyaan, cukup balas pesan ini."
        ),
    },
    # {{1}} customer name, {{2}} order number, {{3}} carrier
    "return_pickup_scheduled": {
        "en": (
            "Hi {{1}}, the pickup for your return of order {{2}} is scheduled. Courier: {{3}}. "
            "The courier will contact you before coming; please keep the item packed and ready."
        ),
        "hi": (
            "नमस्ते {{1}}, ऑर्डर {{2}} के रिटर्न का पिकअप तय हो गया है। कूरियर: {{3}}। आने से "
            "पहले कूरियर आपसे संपर्क करेगा; कृपया सामान पैक करके तैयार रखें।"
        ),
        "es": (
            "¡Hola {{1}}! Ya programamos la recogida de tu devolución del pedido {{2}}. "
            "Transportista: {{3}}. El repartidor te contactará antes de pasar; ten el artículo "
            "empaquetado y listo."
        ),
        "pt_BR": (
            "Olá {{1}}! A coleta da devolução do pedido {{2}} está agendada. Transportadora: "
            "{{3}}. O entregador vai entrar em contato antes de passar; deixe o produto embalado "
            "e pronto."
        ),
        "id": (
            "Halo {{1}}, penjemputan barang retur untuk pesanan {{2}} sudah dijadwalkan. Kurir: "
            "{{3}}. Kurir akan menghubungi Anda sebelum datang; mohon siapkan barang yang sudah "
            "dikemas."
        ),
    },
    # {{1}} customer name, {{2}} order number
    "return_picked_up": {
        "en": (
            "Hi {{1}}, the courier has picked up your return for order {{2}}. We'll let you know "
            "as soon as it reaches us."
        ),
        "hi": (
            "नमस्ते {{1}}, कूरियर ने ऑर्डर {{2}} का रिटर्न पिकअप कर लिया है। हम तक पहुँचते ही हम आपको बताएँगे।"
        ),
        "es": (
            "¡Hola {{1}}! El transportista ya recogió tu devolución del pedido {{2}}. Te "
            "avisaremos en cuanto nos llegue."
        ),
        "pt_BR": (
            "Olá {{1}}! A transportadora já coletou a devolução do pedido {{2}}. Avisaremos você "
            "assim que ela chegar até nós."
        ),
        "id": (
            "Halo {{1}}, kurir sudah mengambil barang retur untuk pesanan {{2}}. Kami akan "
            "mengabari Anda begitu barang tiba di tempat kami."
        ),
    },
    # {{1}} customer name, {{2}} order number
    "return_received": {
        "en": (
            "Hi {{1}}, we've received your return for order {{2}}. We're checking the item now "
            "and will update you about your refund here."
        ),
        "hi": (
            "नमस्ते {{1}}, हमें ऑर्डर {{2}} का रिटर्न मिल गया है। हम अभी सामान की जाँच कर रहे हैं "
            "और आपके रिफ़ंड की जानकारी यहीं देंगे।"
        ),
        "es": (
            "¡Hola {{1}}! Hemos recibido tu devolución del pedido {{2}}. Estamos revisando el "
            "artículo y te informaremos sobre tu reembolso por aquí."
        ),
        "pt_BR": (
            "Olá {{1}}! Recebemos a devolução do pedido {{2}}. Estamos conferindo o produto e "
            "daremos notícias sobre o seu reembolso por aqui."
        ),
        "id": (
            "Halo {{1}}, barang retur untuk pesanan {{2}} sudah kami terima. Kami sedang "
            "memeriksanya dan akan mengabari Anda soal pengembalian dana di sini."
        ),
    },
    # {{1}} customer name, {{2}} refund amount, {{3}} order number
    "refund_initiated": {
        "en": (
            "Hi {{1}}, we've started a refund of {{2}} for your order {{3}}. Depending on your "
            "bank, it usually takes 5–7 business days to reach your original payment method."
        ),
        "hi": (
            "नमस्ते {{1}}, हमने {{2}} का रिफ़ंड शुरू कर दिया है (ऑर्डर {{3}})। बैंक के आधार पर, "
            "राशि आपके मूल भुगतान माध्यम में आने में आम तौर पर 5–7 कार्यदिवस लगते हैं।"
        ),
        "es": (
            "¡Hola {{1}}! Hemos iniciado el reembolso de {{2}} de tu pedido {{3}}. Según tu banco, "
            "suele tardar de 5 a 7 días hábiles en llegar a tu método de pago original."
        ),
        "pt_BR": (
            "Olá {{1}}! Iniciamos o reembolso de {{2}} referente ao pedido {{3}}. Dependendo do "
            "seu banco, o valor costuma levar de 5 a 7 dias úteis para chegar à forma de "
            "pagamento original."
        ),
        "id": (
            "Halo {{1}}, pengembalian dana sebesar {{2}} untuk pesanan {{3}} sudah kami proses. "
            "Tergantung bank Anda, dana biasanya masuk ke metode pembayaran awal dalam 5–7 hari "
            "kerja."
        ),
    },
    # {{1}} customer name, {{2}} refund amount, {{3}} order number
    "refund_completed": {
        "en": (
            "Hi {{1}}, your refund of {{2}} for order {{3}} has been completed. It may take a few "
            "days to show in your account, depending on your bank."
        ),
        "hi": (
            "नमस्ते {{1}}, आपका {{2}} का रिफ़ंड पूरा हो गया है (ऑर्डर {{3}})। बैंक के आधार पर, "
            "इसे आपके खाते में दिखने में कुछ दिन लग सकते हैं।"
        ),
        "es": (
            "¡Hola {{1}}! Ya completamos tu reembolso de {{2}} del pedido {{3}}. Según tu banco, "
            "puede tardar unos días en reflejarse en tu cuenta."
        ),
        "pt_BR": (
            "Olá {{1}}! Seu reembolso de {{2}} referente ao pedido {{3}} foi concluído. "
            "Dependendo do seu banco, pode levar alguns dias para aparecer na sua conta."
        ),
        "id": (
            "Halo {{1}}, pengembalian dana sebesar {{2}} untuk pesanan {{3}} telah selesai. "
            "Tergantung bank Anda, dana mungkin baru terlihat di rekening dalam beberapa hari."
        ),
    },
    # {{1}} customer name, {{2}} order number; the customer answers with a number from 0 to 10
    "feedback_request": {
        "en": (
            "Hi {{1}}, how would you rate your order {{2}}? Reply with a number from 0 (very "
            "poor) to 10 (excellent). Your answer helps us get better."
        ),
        "hi": (
            "नमस्ते {{1}}, आप अपने ऑर्डर {{2}} को कितने अंक देंगे? 0 (बहुत खराब) से 10 (बेहतरीन) "
            "के बीच कोई एक नंबर लिखकर जवाब दें। आपका जवाब हमें और बेहतर बनने में मदद करता है।"
        ),
        "es": (
            "¡Hola {{1}}! ¿Cómo valorarías tu pedido {{2}}? Responde con un número del 0 (muy "
            "mal) al 10 (excelente). Tu respuesta nos ayuda a mejorar."
        ),
        "pt_BR": (
            "Olá {{1}}! Que nota você dá para o seu pedido {{2}}? Responda com um número de 0 "
            "(muito ruim) a 10 (excelente). Sua resposta nos ajuda a melhorar."
        ),
        "id": (
            "Halo {{1}}, berapa nilai yang Anda berikan untuk pesanan {{2}}? Balas dengan angka 0 "
            "(sangat buruk) sampai 10 (sangat baik). Jawaban Anda membantu kami menjadi lebih "
            "baik."
        ),
    },
}
