"""What the tracking page says, in the bot's five languages (English is the fallback).

The answers to a failed delivery reuse the bot's own sentences (`conversations.texts`), so chat
and page say the same thing.
"""

from __future__ import annotations

from ordertalk.conversations import texts as chat_texts

LANGUAGES = ("en", "hi", "es", "pt", "id")

PAGE: dict[str, dict[str, str]] = {
    "title": {
        "en": "Track your order",
        "hi": "अपना ऑर्डर ट्रैक करें",
        "es": "Sigue tu pedido",
        "pt": "Acompanhe seu pedido",
        "id": "Lacak pesanan Anda",
    },
    "order": {
        "en": "Order {order}",
        "hi": "ऑर्डर {order}",
        "es": "Pedido {order}",
        "pt": "Pedido {order}",
        "id": "Pesanan {order}",
    },
    "placed": {
        "en": "Placed on {date}",
        "hi": "{date} को दिया गया",
        "es": "Realizado el {date}",
        "pt": "Feito em {date}",
        "id": "Dipesan pada {date}",
    },
    "updates_to": {
        "en": "Updates go to WhatsApp {phone}",
        "hi": "अपडेट WhatsApp {phone} पर भेजे जाते हैं",
        "es": "Las novedades llegan a WhatsApp {phone}",
        "pt": "As atualizações vão para o WhatsApp {phone}",
        "id": "Kabar terbaru dikirim ke WhatsApp {phone}",
    },
    "parcel": {
        "en": "Parcel {n} of {total}",
        "hi": "पार्सल {n} / {total}",
        "es": "Paquete {n} de {total}",
        "pt": "Pacote {n} de {total}",
        "id": "Paket {n} dari {total}",
    },
    "your_parcel": {
        "en": "Your parcel",
        "hi": "आपका पार्सल",
        "es": "Tu paquete",
        "pt": "Seu pacote",
        "id": "Paket Anda",
    },
    "order_details": {
        "en": "Order details",
        "hi": "ऑर्डर की जानकारी",
        "es": "Detalles del pedido",
        "pt": "Detalhes do pedido",
        "id": "Detail pesanan",
    },
    "items": {
        "en": "Items",
        "hi": "सामान",
        "es": "Artículos",
        "pt": "Itens",
        "id": "Barang",
    },
    "carrier": {
        "en": "Carrier",
        "hi": "कूरियर",
        "es": "Transportista",
        "pt": "Transportadora",
        "id": "Kurir",
    },
    "tracking_number": {
        "en": "Tracking number",
        "hi": "ट्रैकिंग नंबर",
        "es": "Número de seguimiento",
        "pt": "Código de rastreio",
        "id": "Nomor resi",
    },
    "carrier_link": {
        "en": "Track on {carrier}'s site",
        "hi": "{carrier} की साइट पर ट्रैक करें",
        "es": "Seguir en la web de {carrier}",
        "pt": "Rastrear no site da {carrier}",
        "id": "Lacak di situs {carrier}",
    },
    "carrier_link_plain": {
        "en": "Track on the carrier's site",
        "hi": "कूरियर की साइट पर ट्रैक करें",
        "es": "Seguir en la web del transportista",
        "pt": "Rastrear no site da transportadora",
        "id": "Lacak di situs kurir",
    },
    "edd": {
        "en": "Expected delivery",
        "hi": "अनुमानित डिलीवरी",
        "es": "Entrega prevista",
        "pt": "Previsão de entrega",
        "id": "Perkiraan tiba",
    },
    "history": {
        "en": "History",
        "hi": "इतिहास",
        "es": "Historial",
        "pt": "Histórico",
        "id": "Riwayat",
    },
    "not_shipped": {
        "en": "Your order has not shipped yet. We will message you on WhatsApp when it does.",
        "hi": "आपका ऑर्डर अभी भेजा नहीं गया है। भेजते ही हम आपको WhatsApp पर बताएँगे।",
        "es": "Tu pedido aún no ha salido. Te avisaremos por WhatsApp cuando salga.",
        "pt": "Seu pedido ainda não foi enviado. Avisaremos pelo WhatsApp quando for.",
        "id": "Pesanan Anda belum dikirim. Kami akan mengabari lewat WhatsApp saat dikirim.",
    },
    "ndr_heading": {
        "en": "We missed you",
        "hi": "डिलीवरी नहीं हो पाई",
        "es": "No pudimos entregarlo",
        "pt": "Não conseguimos entregar",
        "id": "Paket belum terantar",
    },
    "ndr_intro": {
        "en": "The courier could not deliver this parcel. What should we do?",
        "hi": "कूरियर यह पार्सल डिलीवर नहीं कर पाया। अब हम क्या करें?",
        "es": "El repartidor no pudo entregar este paquete. ¿Qué hacemos?",
        "pt": "A transportadora não conseguiu entregar este pacote. O que devemos fazer?",
        "id": "Kurir tidak berhasil mengantar paket ini. Apa yang sebaiknya kami lakukan?",
    },
    "ndr_day_submit": {
        "en": "Deliver on this day",
        "hi": "इस दिन डिलीवर करें",
        "es": "Entregar este día",
        "pt": "Entregar neste dia",
        "id": "Antar pada hari ini",
    },
    "ndr_address_label": {
        "en": "New address (house number, street, city and postal code)",
        "hi": "नया पता (मकान नंबर, गली/सड़क, शहर और पिन कोड)",
        "es": "Nueva dirección (número, calle, ciudad y código postal)",
        "pt": "Novo endereço (número, rua, cidade e CEP)",
        "id": "Alamat baru (nomor rumah, jalan, kota, dan kode pos)",
    },
    "ndr_address_submit": {
        "en": "Deliver to this address",
        "hi": "इस पते पर डिलीवर करें",
        "es": "Entregar en esta dirección",
        "pt": "Entregar neste endereço",
        "id": "Antar ke alamat ini",
    },
    "ndr_cancel_confirm": {
        "en": "Yes, cancel the delivery: the parcel goes back to {store}",
        "hi": "हाँ, डिलीवरी रद्द करें: पार्सल {store} को वापस जाएगा",
        "es": "Sí, cancelar la entrega: el paquete vuelve a {store}",
        "pt": "Sim, cancelar a entrega: o pacote volta para a {store}",
        "id": "Ya, batalkan pengiriman: paket kembali ke {store}",
    },
    "answered_reattempt": {
        "en": "You asked for a new attempt on {date}.",
        "hi": "आपने {date} को दोबारा डिलीवरी माँगी है।",
        "es": "Pediste un nuevo intento el {date}.",
        "pt": "Você pediu uma nova tentativa em {date}.",
        "id": "Anda meminta pengantaran ulang pada {date}.",
    },
    "answered_address": {
        "en": "You gave a new address: {address}",
        "hi": "आपने नया पता दिया है: {address}",
        "es": "Diste una nueva dirección: {address}",
        "pt": "Você informou um novo endereço: {address}",
        "id": "Anda memberikan alamat baru: {address}",
    },
    "answered_cancel": {
        "en": "You cancelled the delivery.",
        "hi": "आपने डिलीवरी रद्द कर दी है।",
        "es": "Cancelaste la entrega.",
        "pt": "Você cancelou a entrega.",
        "id": "Anda membatalkan pengiriman.",
    },
    "change_answer": {
        "en": "You can still change your answer:",
        "hi": "आप अब भी अपना जवाब बदल सकते हैं:",
        "es": "Aún puedes cambiar tu respuesta:",
        "pt": "Você ainda pode mudar sua resposta:",
        "id": "Anda masih bisa mengubah jawaban:",
    },
    "error_day": {
        "en": "Please pick one of the days shown.",
        "hi": "कृपया दिखाए गए दिनों में से एक चुनें।",
        "es": "Elige uno de los días que se muestran.",
        "pt": "Escolha um dos dias mostrados.",
        "id": "Silakan pilih salah satu hari yang ditampilkan.",
    },
    "error_address": {
        "en": "That doesn't look like a full address. Please write the house number, street, "
        "city and postal code.",
        "hi": "यह पूरा पता नहीं लग रहा। कृपया मकान नंबर, गली/सड़क, शहर और पिन कोड लिखें।",
        "es": "Esa dirección parece incompleta. Escribe el número, la calle, la ciudad y el "
        "código postal.",
        "pt": "Esse endereço parece incompleto. Escreva o número, a rua, a cidade e o CEP.",
        "id": "Sepertinya alamat itu belum lengkap. Tulis nomor rumah, nama jalan, kota, dan "
        "kode pos.",
    },
    "error_cancel": {
        "en": "Tick the box to confirm that you want to cancel the delivery.",
        "hi": "डिलीवरी रद्द करने की पुष्टि के लिए बॉक्स पर टिक करें।",
        "es": "Marca la casilla para confirmar que quieres cancelar la entrega.",
        "pt": "Marque a caixa para confirmar que quer cancelar a entrega.",
        "id": "Centang kotak untuk mengonfirmasi pembatalan pengiriman.",
    },
    "error_action": {
        "en": "Please choose one of the options shown.",
        "hi": "कृपया दिखाए गए विकल्पों में से एक चुनें।",
        "es": "Elige una de las opciones que se muestran.",
        "pt": "Escolha uma das opções mostradas.",
        "id": "Silakan pilih salah satu opsi yang ditampilkan.",
    },
    "closed": {
        "en": "The delivery of this parcel can no longer be changed here: its status has changed. "
        "The latest status is below.",
        "hi": "इस पार्सल की डिलीवरी अब यहाँ से बदली नहीं जा सकती: इसकी स्थिति बदल गई है। "
        "ताज़ा स्थिति नीचे है।",
        "es": "La entrega de este paquete ya no se puede cambiar aquí: su estado ha cambiado. "
        "Abajo tienes el estado actual.",
        "pt": "A entrega deste pacote não pode mais ser alterada aqui: o status mudou. "
        "O status atual está abaixo.",
        "id": "Pengiriman paket ini sudah tidak bisa diubah di sini: statusnya sudah berubah. "
        "Status terbaru ada di bawah.",
    },
    "more_from": {
        "en": "More from {store}",
        "hi": "{store} से और",
        "es": "Más de {store}",
        "pt": "Mais da {store}",
        "id": "Lainnya dari {store}",
    },
    "preview_body": {
        "en": "Open this link on your phone to see where your order is.",
        "hi": "अपना ऑर्डर कहाँ है, यह देखने के लिए यह लिंक अपने फ़ोन पर खोलें।",
        "es": "Abre este enlace en tu teléfono para ver dónde está tu pedido.",
        "pt": "Abra este link no seu celular para ver onde está seu pedido.",
        "id": "Buka tautan ini di ponsel Anda untuk melihat posisi pesanan.",
    },
    "missing_title": {
        "en": "Link not found",
        "hi": "लिंक नहीं मिला",
        "es": "Enlace no encontrado",
        "pt": "Link não encontrado",
        "id": "Tautan tidak ditemukan",
    },
    "missing_body": {
        "en": "This tracking link does not exist. Please open the link in the store's latest "
        "WhatsApp message, or reply there to ask about your order.",
        "hi": "यह ट्रैकिंग लिंक मौजूद नहीं है। कृपया स्टोर के सबसे नए WhatsApp मैसेज का लिंक खोलें, "
        "या वहीं जवाब देकर अपने ऑर्डर के बारे में पूछें।",
        "es": "Este enlace de seguimiento no existe. Abre el enlace del último mensaje de "
        "WhatsApp de la tienda o respóndele allí para preguntar por tu pedido.",
        "pt": "Este link de rastreio não existe. Abra o link da mensagem de WhatsApp mais "
        "recente da loja ou responda lá para perguntar sobre seu pedido.",
        "id": "Tautan pelacakan ini tidak ada. Buka tautan di pesan WhatsApp terbaru dari toko, "
        "atau balas di sana untuk menanyakan pesanan Anda.",
    },
    "stale_title": {
        "en": "Please try again",
        "hi": "कृपया फिर से कोशिश करें",
        "es": "Inténtalo de nuevo",
        "pt": "Tente de novo",
        "id": "Silakan coba lagi",
    },
    "stale_body": {
        "en": "This form is out of date or did not come from this page. Nothing was changed. "
        "Go back to the page, reload it and try again.",
        "hi": "यह फ़ॉर्म पुराना है या इस पेज से नहीं आया। कुछ नहीं बदला गया। पेज पर वापस जाएँ, "
        "उसे रीलोड करें और फिर से कोशिश करें।",
        "es": "Este formulario está desactualizado o no viene de esta página. No se cambió nada. "
        "Vuelve a la página, recárgala e inténtalo de nuevo.",
        "pt": "Este formulário está desatualizado ou não veio desta página. Nada foi alterado. "
        "Volte à página, recarregue e tente de novo.",
        "id": "Formulir ini sudah usang atau tidak berasal dari halaman ini. Tidak ada yang "
        "diubah. Kembali ke halaman, muat ulang, lalu coba lagi.",
    },
    "back": {
        "en": "Back to the tracking page",
        "hi": "ट्रैकिंग पेज पर वापस",
        "es": "Volver a la página de seguimiento",
        "pt": "Voltar à página de rastreio",
        "id": "Kembali ke halaman pelacakan",
    },
    # The progress bar.
    "step_ordered": {"en": "Ordered", "hi": "ऑर्डर हुआ", "es": "Pedido", "pt": "Pedido",
                     "id": "Dipesan"},
    "step_shipped": {"en": "Shipped", "hi": "भेजा गया", "es": "Enviado", "pt": "Enviado",
                     "id": "Dikirim"},
    "step_out": {"en": "Out for delivery", "hi": "डिलीवरी के लिए निकला", "es": "En reparto",
                 "pt": "Saiu para entrega", "id": "Sedang diantar"},
    "step_delivered": {"en": "Delivered", "hi": "डिलीवर हुआ", "es": "Entregado",
                       "pt": "Entregue", "id": "Diterima"},
}  # fmt: skip

# How each milestone reads in the page's history.
MILESTONES: dict[str, dict[str, str]] = {
    "order_confirmed": {"en": "Order confirmed", "hi": "ऑर्डर कन्फ़र्म हुआ",
                        "es": "Pedido confirmado", "pt": "Pedido confirmado",
                        "id": "Pesanan dikonfirmasi"},
    "payment_failed": {"en": "Payment did not go through", "hi": "भुगतान नहीं हो सका",
                       "es": "El pago no se completó", "pt": "O pagamento não foi concluído",
                       "id": "Pembayaran tidak berhasil"},
    "packed": {"en": "Packed", "hi": "पैक हुआ", "es": "Empaquetado", "pt": "Embalado",
               "id": "Dikemas"},
    "dispatched": {"en": "Shipped", "hi": "भेजा गया", "es": "Enviado", "pt": "Enviado",
                   "id": "Dikirim"},
    "in_transit": {"en": "On its way", "hi": "रास्ते में", "es": "En camino", "pt": "A caminho",
                   "id": "Dalam perjalanan"},
    "out_for_delivery": {"en": "Out for delivery", "hi": "डिलीवरी के लिए निकला",
                         "es": "En reparto", "pt": "Saiu para entrega", "id": "Sedang diantar"},
    "delivery_attempt_failed": {"en": "Delivery attempt failed", "hi": "डिलीवरी नहीं हो सकी",
                                "es": "Intento de entrega fallido",
                                "pt": "Tentativa de entrega sem sucesso",
                                "id": "Pengantaran gagal"},
    "ready_for_pickup": {"en": "Ready for pickup", "hi": "पिकअप के लिए तैयार",
                         "es": "Listo para recoger", "pt": "Pronto para retirada",
                         "id": "Siap diambil"},
    "delivered": {"en": "Delivered", "hi": "डिलीवर हुआ", "es": "Entregado", "pt": "Entregue",
                  "id": "Diterima"},
    "delayed": {"en": "Running late", "hi": "देरी हो रही है", "es": "Con retraso",
                "pt": "Atrasado", "id": "Terlambat"},
    "exception": {"en": "A problem on the way", "hi": "रास्ते में समस्या",
                  "es": "Un problema en el camino", "pt": "Um problema no caminho",
                  "id": "Ada kendala di perjalanan"},
    "lost_or_damaged": {"en": "Lost or damaged in transit", "hi": "रास्ते में खो गया या खराब हुआ",
                        "es": "Perdido o dañado en el camino",
                        "pt": "Extraviado ou danificado no caminho",
                        "id": "Hilang atau rusak di perjalanan"},
    "rto_initiated": {"en": "Being returned to the store", "hi": "स्टोर को वापस भेजा जा रहा है",
                      "es": "Devolviéndose a la tienda", "pt": "Voltando para a loja",
                      "id": "Dikembalikan ke toko"},
    "rto_in_transit": {"en": "On its way back to the store", "hi": "स्टोर की ओर वापस रास्ते में",
                       "es": "De vuelta a la tienda", "pt": "A caminho de volta para a loja",
                       "id": "Dalam perjalanan kembali ke toko"},
    "rto_delivered": {"en": "Returned to the store", "hi": "स्टोर को वापस मिल गया",
                      "es": "Devuelto a la tienda", "pt": "Devolvido à loja",
                      "id": "Sudah kembali ke toko"},
    "cancelled": {"en": "Cancelled", "hi": "रद्द हुआ", "es": "Cancelado", "pt": "Cancelado",
                  "id": "Dibatalkan"},
    "return_requested": {"en": "Return requested", "hi": "वापसी का अनुरोध",
                         "es": "Devolución solicitada", "pt": "Devolução solicitada",
                         "id": "Pengembalian diajukan"},
    "return_approved": {"en": "Return approved", "hi": "वापसी मंज़ूर", "es": "Devolución aprobada",
                        "pt": "Devolução aprovada", "id": "Pengembalian disetujui"},
    "return_rejected": {"en": "Return not accepted", "hi": "वापसी मंज़ूर नहीं हुई",
                        "es": "Devolución no aceptada", "pt": "Devolução não aceita",
                        "id": "Pengembalian ditolak"},
    "return_pickup_scheduled": {"en": "Return pickup booked", "hi": "वापसी पिकअप तय",
                                "es": "Recogida de la devolución programada",
                                "pt": "Coleta da devolução agendada",
                                "id": "Penjemputan retur dijadwalkan"},
    "return_picked_up": {"en": "Return picked up", "hi": "वापसी पिकअप हो गई",
                         "es": "Devolución recogida", "pt": "Devolução coletada",
                         "id": "Retur sudah dijemput"},
    "return_received": {"en": "Return received", "hi": "वापसी मिल गई",
                        "es": "Devolución recibida", "pt": "Devolução recebida",
                        "id": "Retur sudah diterima"},
    "return_cancelled": {"en": "Return cancelled", "hi": "वापसी रद्द", "es": "Devolución cancelada",
                         "pt": "Devolução cancelada", "id": "Pengembalian dibatalkan"},
    "refund_initiated": {"en": "Refund started", "hi": "रिफ़ंड शुरू हुआ",
                         "es": "Reembolso iniciado", "pt": "Reembolso iniciado",
                         "id": "Pengembalian dana diproses"},
    "refund_completed": {"en": "Refund completed", "hi": "रिफ़ंड पूरा हुआ",
                         "es": "Reembolso completado", "pt": "Reembolso concluído",
                         "id": "Pengembalian dana selesai"},
    # A customer's own decisions (timeline entries "customer:<what>").
    "customer:ndr_reattempt": {"en": "You asked for a new delivery attempt",
                               "hi": "आपने दोबारा डिलीवरी माँगी", "es": "Pediste un nuevo intento",
                               "pt": "Você pediu uma nova tentativa",
                               "id": "Anda meminta pengantaran ulang"},
    "customer:ndr_address": {"en": "You gave a new address", "hi": "आपने नया पता दिया",
                             "es": "Diste una nueva dirección",
                             "pt": "Você informou um novo endereço",
                             "id": "Anda memberikan alamat baru"},
    "customer:ndr_cancel": {"en": "You cancelled the delivery", "hi": "आपने डिलीवरी रद्द की",
                            "es": "Cancelaste la entrega", "pt": "Você cancelou a entrega",
                            "id": "Anda membatalkan pengiriman"},
    "customer:cod_confirmed": {"en": "You confirmed the order", "hi": "आपने ऑर्डर कन्फ़र्म किया",
                               "es": "Confirmaste el pedido", "pt": "Você confirmou o pedido",
                               "id": "Anda mengonfirmasi pesanan"},
    "customer:cod_cancelled": {"en": "You cancelled the order", "hi": "आपने ऑर्डर रद्द किया",
                               "es": "Cancelaste el pedido", "pt": "Você cancelou o pedido",
                               "id": "Anda membatalkan pesanan"},
}  # fmt: skip


def page_language(*candidates: str | None) -> str:
    """The first of the candidates the page is written in (by base language), else English."""
    for candidate in candidates:
        base = (candidate or "").replace("-", "_").split("_")[0].lower()
        base = "id" if base == "in" else base  # Android's old code for Indonesian
        if base in LANGUAGES:
            return base
    return "en"


def say(key: str, language: str, **values: str) -> str:
    """A sentence of the page in `language` (or the bot's, for a key the page shares with chat:
    the failed-delivery buttons and confirmations)."""
    by_language = PAGE.get(key)
    if by_language is None:
        return chat_texts.say(key, language, **values)
    return by_language.get(language, by_language["en"]).format(**values)


def milestone_words(key: str, language: str) -> str | None:
    """How a milestone (or a customer's decision) reads; None for one the page does not show."""
    by_language = MILESTONES.get(key)
    if by_language is None:
        return None
    return by_language.get(language, by_language["en"])
