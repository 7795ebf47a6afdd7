"""What the bot says in the flows that act (NDR, COD, returns, feedback, carts), per language.

Keys ending in `_btn` are button titles (WhatsApp: at most 20 characters); keys ending in `_row`
are list row titles (at most 24). `texts.say` formats `{store}`, `{order}` and the rest.
"""

from __future__ import annotations

FLOW_REPLIES: dict[str, dict[str, str]] = {
    # --- shared ------------------------------------------------------------------------
    "yes_btn": {
        "en": "Yes",
        "hi": "हाँ",
        "es": "Sí",
        "pt": "Sim",
        "id": "Ya",
    },
    "no_btn": {
        "en": "No",
        "hi": "नहीं",
        "es": "No",
        "pt": "Não",
        "id": "Tidak",
    },
    "skip_btn": {
        "en": "Skip",
        "hi": "छोड़ें",
        "es": "Omitir",
        "pt": "Pular",
        "id": "Lewati",
    },
    "no_thanks_btn": {
        "en": "No, thanks",
        "hi": "नहीं, धन्यवाद",
        "es": "No, gracias",
        "pt": "Não, obrigado",
        "id": "Tidak, terima kasih",
    },
    "return_btn": {
        "en": "Return or exchange",
        "hi": "रिटर्न या एक्सचेंज",
        "es": "Devolución o cambio",
        "pt": "Devolução ou troca",
        "id": "Retur atau tukar",
    },
    "pick_from_list": {
        "en": 'Please choose one of the options above, or write "agent" to talk to a person.',
        "hi": 'कृपया ऊपर से कोई विकल्प चुनें, या किसी व्यक्ति से बात करने के लिए "agent" लिखें।',
        "es": 'Por favor, elige una de las opciones de arriba o escribe "agente" para hablar con '
        "una persona.",
        "pt": "Por favor, escolha uma das opções acima ou "
        'escreva "atendente" para falar com uma pessoa.',
        "id": "Silakan pilih salah satu opsi di atas, atau "
        'tulis "admin" untuk bicara dengan petugas.',
    },
    "thanks": {
        "en": "You're welcome! Write any time if you need something.",
        "hi": "कोई बात नहीं! कुछ भी चाहिए हो तो कभी भी लिखें।",
        "es": "¡De nada! Escríbenos cuando necesites algo.",
        "pt": "De nada! Se precisar de algo, é só escrever a qualquer momento.",
        "id": "Sama-sama! Silakan kirim pesan kapan saja jika Anda butuh sesuatu.",
    },
    "menu_media": {
        "en": "Thanks, I got your message. What can I help you with?",
        "hi": "धन्यवाद, आपका मैसेज मिल गया। मैं आपकी क्या मदद कर सकता हूँ?",
        "es": "Gracias, recibí tu mensaje. ¿En qué te puedo ayudar?",
        "pt": "Obrigado, recebi sua mensagem. Como posso ajudar?",
        "id": "Terima kasih, pesan Anda sudah saya terima. Ada yang bisa saya bantu?",
    },
    "cancel_handoff": {
        "en": "I've asked a person at {store} to help you cancel order {order}. "
        "They will reply here.",
        "hi": "मैंने {store} के एक व्यक्ति से ऑर्डर {order} रद्द करने में आपकी मदद करने को कहा "
        "है। वे यहीं जवाब देंगे।",
        "es": "Le pedí a una persona de {store} que te ayude a cancelar el pedido {order}. "
        "Te responderá aquí.",
        "pt": "Pedi para uma pessoa da {store} te ajudar a cancelar o pedido {order}. "
        "Ela vai responder aqui.",
        "id": "Saya sudah meminta petugas {store} untuk membantu Anda membatalkan pesanan "
        "{order}. Mereka akan membalas di sini.",
    },
    # --- failed delivery (NDR) -------------------------------------------------------
    "ndr_choose": {
        "en": "The courier could not deliver order {order}. What should we do?",
        "hi": "कूरियर ऑर्डर {order} की डिलीवरी नहीं कर पाया। अब हम क्या करें?",
        "es": "El repartidor no pudo entregar el pedido {order}. ¿Qué hacemos?",
        "pt": "A transportadora não conseguiu entregar o pedido {order}. O que devemos fazer?",
        "id": "Kurir tidak berhasil mengantar pesanan {order}. Apa yang sebaiknya kami lakukan?",
    },
    "ndr_reattempt_btn": {
        "en": "Deliver again",
        "hi": "फिर से डिलीवर करें",
        "es": "Entregar de nuevo",
        "pt": "Entregar de novo",
        "id": "Antar ulang",
    },
    "ndr_address_btn": {
        "en": "Change address",
        "hi": "पता बदलें",
        "es": "Cambiar dirección",
        "pt": "Alterar endereço",
        "id": "Ganti alamat",
    },
    "ndr_cancel_btn": {
        "en": "Cancel delivery",
        "hi": "डिलीवरी रद्द करें",
        "es": "Cancelar entrega",
        "pt": "Cancelar entrega",
        "id": "Batalkan pengiriman",
    },
    "ndr_pick_date": {
        "en": "When should the courier try again? Pick a day.",
        "hi": "कूरियर दोबारा कब आए? कोई दिन चुनें।",
        "es": "¿Cuándo quieres que el repartidor lo intente de nuevo? Elige un día.",
        "pt": "Quando a transportadora deve tentar de novo? Escolha um dia.",
        "id": "Kapan kurir sebaiknya mencoba lagi? Silakan pilih hari.",
    },
    "ndr_days_btn": {
        "en": "Choose a day",
        "hi": "दिन चुनें",
        "es": "Elegir día",
        "pt": "Escolher dia",
        "id": "Pilih hari",
    },
    "ndr_reattempt_done": {
        "en": "Done: the courier will deliver order {order} again on {date}.",
        "hi": "हो गया: कूरियर {date} को ऑर्डर {order} फिर से डिलीवर करेगा।",
        "es": "Listo: el repartidor volverá a entregar el pedido {order} el {date}.",
        "pt": "Pronto! Nova tentativa de entrega do pedido {order}: {date}.",
        "id": "Baik, kurir akan mengantar ulang pesanan {order} pada {date}.",
    },
    "ndr_ask_address": {
        "en": "Please send the full new address for order {order} in one message (house "
        "number, street, city and postal code), or share a location pin.",
        "hi": "कृपया ऑर्डर {order} का पूरा नया पता एक ही मैसेज में भेजें (मकान नंबर, गली/सड़क, "
        "शहर और पिन कोड), या लोकेशन पिन शेयर करें।",
        "es": "Por favor, envía en un solo mensaje la nueva dirección completa del pedido {order} "
        "(número, calle, ciudad y código postal) o comparte tu ubicación.",
        "pt": "Por favor, envie o novo endereço completo do pedido {order} em uma única mensagem "
        "(número, rua, cidade e CEP) ou compartilhe a sua localização.",
        "id": "Silakan kirim alamat baru yang lengkap untuk pesanan {order} dalam satu pesan "
        "(nomor rumah, nama jalan, kota, dan kode pos), atau bagikan pin lokasi.",
    },
    "ndr_bad_address": {
        "en": "That doesn't look like a full address. Please write the house number, street, "
        "city and postal code in one message, or share a location pin.",
        "hi": "यह पूरा पता नहीं लग रहा। कृपया मकान नंबर, गली/सड़क, शहर और पिन कोड एक ही मैसेज में "
        "लिखें, या लोकेशन पिन शेयर करें।",
        "es": "Esa dirección parece incompleta. Por favor, escribe en un solo mensaje el número, "
        "la calle, la ciudad y el código postal, o comparte tu ubicación.",
        "pt": "Esse endereço parece incompleto. Por favor, escreva em uma única mensagem o "
        "número, a rua, a cidade e o CEP, ou compartilhe a sua localização.",
        "id": "Sepertinya alamat itu belum lengkap. Silakan tulis nomor rumah, nama jalan, kota, "
        "dan kode pos dalam satu pesan, atau bagikan pin lokasi.",
    },
    "ndr_confirm_address": {
        "en": "Deliver order {order} to:\n{address}\nIs that right?",
        "hi": "ऑर्डर {order} इस पते पर डिलीवर करें:\n{address}\nक्या यह सही है?",
        "es": "Entregar el pedido {order} en:\n{address}\n¿Es correcto?",
        "pt": "Entregar o pedido {order} em:\n{address}\nEstá correto?",
        "id": "Antar pesanan {order} ke:\n{address}\nApakah sudah benar?",
    },
    "ndr_change_btn": {
        "en": "No, change it",
        "hi": "नहीं, बदलना है",
        "es": "No, cambiarla",
        "pt": "Não, alterar",
        "id": "Tidak, ubah",
    },
    "ndr_address_done": {
        "en": "Thanks! The courier has the new address for order {order} and will try again.",
        "hi": "धन्यवाद! कूरियर को ऑर्डर {order} का नया पता मिल गया है और वह फिर से डिलीवरी की "
        "कोशिश करेगा।",
        "es": "¡Gracias! El repartidor ya tiene la nueva dirección del pedido {order} y lo "
        "intentará de nuevo.",
        "pt": "Obrigado! A transportadora já tem o novo endereço do pedido {order} e vai tentar "
        "entregar de novo.",
        "id": "Terima kasih! Kurir sudah menerima alamat baru untuk pesanan {order} dan akan "
        "mencoba mengantar lagi.",
    },
    "ndr_confirm_cancel": {
        "en": "Cancel the delivery of order {order}? The parcel will go back to {store}.",
        "hi": "ऑर्डर {order} की डिलीवरी रद्द करें? पार्सल {store} को वापस चला जाएगा।",
        "es": "¿Cancelar la entrega del pedido {order}? El paquete volverá a {store}.",
        "pt": "Cancelar a entrega do pedido {order}? O pacote vai voltar para a {store}.",
        "id": "Batalkan pengiriman pesanan {order}? Paket akan dikembalikan ke {store}.",
    },
    "ndr_cancel_yes_btn": {
        "en": "Yes, cancel it",
        "hi": "हाँ, रद्द करें",
        "es": "Sí, cancelar",
        "pt": "Sim, cancelar",
        "id": "Ya, batalkan",
    },
    "ndr_keep_btn": {
        "en": "No, keep it",
        "hi": "नहीं, रद्द न करें",
        "es": "No, mantener",
        "pt": "Não, manter",
        "id": "Tidak, lanjutkan",
    },
    "ndr_cancel_done": {
        "en": "The delivery of order {order} is cancelled and the parcel goes back to {store}.",
        "hi": "ऑर्डर {order} की डिलीवरी रद्द कर दी गई है और पार्सल {store} को वापस जा रहा है।",
        "es": "La entrega del pedido {order} quedó cancelada y el paquete volverá a {store}.",
        "pt": "A entrega do pedido {order} foi cancelada e o pacote vai voltar para a {store}.",
        "id": "Pengiriman pesanan {order} sudah dibatalkan dan paket akan dikembalikan ke {store}.",
    },
    "ndr_kept": {
        "en": "OK, nothing changed. The courier will try order {order} again.",
        "hi": "ठीक है, कुछ नहीं बदला। कूरियर ऑर्डर {order} की डिलीवरी की फिर से कोशिश करेगा।",
        "es": "De acuerdo, no cambió nada. "
        "El repartidor volverá a intentar entregar el pedido {order}.",
        "pt": "Certo, nada foi alterado. "
        "A transportadora vai tentar entregar o pedido {order} de novo.",
        "id": "Baik, tidak ada yang diubah. Kurir akan mencoba mengantar pesanan {order} lagi.",
    },
    "ndr_closed": {
        "en": 'The delivery of order {order} can no longer be changed here. Write "agent" if '
        "you need help.",
        "hi": 'ऑर्डर {order} की डिलीवरी अब यहाँ से बदली नहीं जा सकती। मदद चाहिए तो "agent" लिखें।',
        "es": "La entrega del pedido {order} ya no se puede cambiar por aquí. "
        'Escribe "agente" si necesitas ayuda.',
        "pt": "A entrega do pedido {order} não pode mais ser alterada por aqui. "
        'Escreva "atendente" se precisar de ajuda.',
        "id": "Pengiriman pesanan {order} sudah tidak bisa diubah di sini. "
        'Tulis "admin" jika Anda butuh bantuan.',
    },
    "ndr_none": {
        "en": "I can't find a missed delivery for this WhatsApp number. "
        'Write "agent" to talk to a person.',
        "hi": "इस WhatsApp नंबर पर ऐसा कोई ऑर्डर नहीं मिला जिसकी डिलीवरी न हो पाई हो। "
        'किसी व्यक्ति से बात करने के लिए "agent" लिखें।',
        "es": "No encuentro ninguna entrega fallida para este número de WhatsApp. "
        'Escribe "agente" para hablar con una persona.',
        "pt": "Não encontrei nenhuma tentativa de entrega sem sucesso para este número de "
        'WhatsApp. Escreva "atendente" para falar com uma pessoa.',
        "id": "Saya tidak menemukan pengiriman yang gagal untuk nomor WhatsApp ini. "
        'Tulis "admin" untuk bicara dengan petugas.',
    },
    # --- cash on delivery ---------------------------------------------------------------
    "cod_confirmed": {
        "en": "Thank you! Order {order} is confirmed. Please pay at delivery.",
        "hi": "धन्यवाद! ऑर्डर {order} कन्फ़र्म हो गया है। कृपया डिलीवरी के समय भुगतान करें।",
        "es": "¡Gracias! Tu pedido {order} está confirmado. Recuerda pagar al recibirlo.",
        "pt": "Obrigado! O pedido {order} está confirmado. O pagamento é feito na entrega.",
        "id": "Terima kasih! Pesanan {order} sudah dikonfirmasi. "
        "Silakan bayar saat pesanan diterima.",
    },
    "cod_confirm_cancel": {
        "en": "Do you really want to cancel order {order}?",
        "hi": "क्या आप सच में ऑर्डर {order} रद्द करना चाहते हैं?",
        "es": "¿Seguro que quieres cancelar el pedido {order}?",
        "pt": "Tem certeza de que quer cancelar o pedido {order}?",
        "id": "Apakah Anda yakin ingin membatalkan pesanan {order}?",
    },
    "cod_cancel_yes_btn": {
        "en": "Yes, cancel order",
        "hi": "हाँ, ऑर्डर रद्द करें",
        "es": "Sí, cancelar pedido",
        "pt": "Sim, cancelar pedido",
        "id": "Ya, batalkan pesanan",
    },
    "cod_keep_btn": {
        "en": "No, keep order",
        "hi": "नहीं, ऑर्डर रखें",
        "es": "No, mantener pedido",
        "pt": "Não, manter pedido",
        "id": "Tidak, tetap pesan",
    },
    "cod_cancelled": {
        "en": "Order {order} is cancelled. You will not be charged anything.",
        "hi": "ऑर्डर {order} रद्द हो गया है। आपसे कोई पैसा नहीं लिया जाएगा।",
        "es": "El pedido {order} quedó cancelado. No se te cobrará nada.",
        "pt": "O pedido {order} foi cancelado. Nada será cobrado.",
        "id": "Pesanan {order} sudah dibatalkan. Anda tidak akan dikenakan biaya apa pun.",
    },
    "cod_already_confirmed": {
        "en": "Order {order} is already confirmed. Thank you!",
        "hi": "ऑर्डर {order} पहले से कन्फ़र्म है। धन्यवाद!",
        "es": "El pedido {order} ya está confirmado. ¡Gracias!",
        "pt": "O pedido {order} já está confirmado. Obrigado!",
        "id": "Pesanan {order} sudah dikonfirmasi sebelumnya. Terima kasih!",
    },
    "cod_already_cancelled": {
        "en": "Order {order} was already cancelled.",
        "hi": "ऑर्डर {order} पहले ही रद्द हो चुका है।",
        "es": "El pedido {order} ya estaba cancelado.",
        "pt": "O pedido {order} já tinha sido cancelado.",
        "id": "Pesanan {order} sudah dibatalkan sebelumnya.",
    },
    "cod_closed": {
        "en": "Order {order} has already shipped or been cancelled, so it can't be changed here. "
        'Write "agent" if you need help.',
        "hi": "ऑर्डर {order} भेजा जा चुका है या रद्द हो चुका है, इसलिए इसे यहाँ से बदला नहीं जा "
        'सकता। मदद चाहिए तो "agent" लिखें।',
        "es": "El pedido {order} ya fue enviado o cancelado, así que no se puede cambiar por "
        'aquí. Escribe "agente" si necesitas ayuda.',
        "pt": "O pedido {order} já foi enviado ou cancelado, então não pode ser alterado por "
        'aqui. Escreva "atendente" se precisar de ajuda.',
        "id": "Pesanan {order} sudah dikirim atau dibatalkan, jadi tidak bisa diubah di sini. "
        'Tulis "admin" jika Anda butuh bantuan.',
    },
    "cod_not_cod": {
        "en": "Order {order} is already paid, so there is nothing to confirm.",
        "hi": "ऑर्डर {order} का भुगतान पहले ही हो चुका है, इसलिए कुछ कन्फ़र्म करने की ज़रूरत नहीं।",
        "es": "El pedido {order} ya está pagado, así que no hay nada que confirmar.",
        "pt": "O pedido {order} já está pago, então não há nada para confirmar.",
        "id": "Pesanan {order} sudah dibayar, jadi tidak ada yang perlu dikonfirmasi.",
    },
    # --- returns and exchanges -----------------------------------------------------------
    "return_pick_order": {
        "en": "Which order is it about?",
        "hi": "यह किस ऑर्डर के बारे में है?",
        "es": "¿De qué pedido se trata?",
        "pt": "É sobre qual pedido?",
        "id": "Ini tentang pesanan yang mana?",
    },
    "return_orders_btn": {
        "en": "Choose order",
        "hi": "ऑर्डर चुनें",
        "es": "Elegir pedido",
        "pt": "Escolher pedido",
        "id": "Pilih pesanan",
    },
    "return_none": {
        "en": "I can't find a delivered order from the last {days} days for this WhatsApp "
        'number. Write "agent" to talk to a person.',
        "hi": "इस WhatsApp नंबर पर पिछले {days} दिनों में डिलीवर हुआ कोई ऑर्डर नहीं मिला। "
        'किसी व्यक्ति से बात करने के लिए "agent" लिखें।',
        "es": "No encuentro pedidos entregados en los últimos {days} días para este número de "
        'WhatsApp. Escribe "agente" para hablar con una persona.',
        "pt": "Não encontrei pedidos entregues nos últimos {days} dias para este número de "
        'WhatsApp. Escreva "atendente" para falar com uma pessoa.',
        "id": "Saya tidak menemukan pesanan yang diterima dalam {days} hari terakhir untuk nomor "
        'WhatsApp ini. Tulis "admin" untuk bicara dengan petugas.',
    },
    "return_pending": {
        "en": "There is already a return request for order {order}. {store} will reply here.",
        "hi": "ऑर्डर {order} की रिटर्न रिक्वेस्ट पहले से दर्ज है। {store} की टीम यहीं जवाब देगी।",
        "es": "Ya hay una solicitud de devolución para el pedido {order}. "
        "{store} te responderá aquí.",
        "pt": "Já existe uma solicitação de devolução para o pedido {order}. "
        "A equipe da {store} vai responder aqui.",
        "id": "Sudah ada permintaan retur untuk pesanan {order}. "
        "Tim {store} akan membalas di sini.",
    },
    "return_pick_items": {
        "en": "Which item of order {order}?",
        "hi": "ऑर्डर {order} का कौन-सा आइटम?",
        "es": "¿Qué producto del pedido {order}?",
        "pt": "Qual item do pedido {order}?",
        "id": "Barang yang mana dari pesanan {order}?",
    },
    "return_items_btn": {
        "en": "Choose item",
        "hi": "आइटम चुनें",
        "es": "Elegir producto",
        "pt": "Escolher item",
        "id": "Pilih barang",
    },
    "return_all_row": {
        "en": "All items",
        "hi": "सभी आइटम",
        "es": "Todos los productos",
        "pt": "Todos os itens",
        "id": "Semua barang",
    },
    "return_pick_reason": {
        "en": "What is the reason?",
        "hi": "इसकी वजह क्या है?",
        "es": "¿Cuál es el motivo?",
        "pt": "Qual é o motivo?",
        "id": "Apa alasannya?",
    },
    "return_reasons_btn": {
        "en": "Choose reason",
        "hi": "वजह चुनें",
        "es": "Elegir motivo",
        "pt": "Escolher motivo",
        "id": "Pilih alasan",
    },
    "reason_damaged_row": {
        "en": "Damaged or faulty",
        "hi": "टूटा हुआ या खराब",
        "es": "Dañado o defectuoso",
        "pt": "Danificado ou defeituoso",
        "id": "Rusak atau cacat",
    },
    "reason_wrong_item_row": {
        "en": "Wrong item",
        "hi": "गलत आइटम आया",
        "es": "Producto equivocado",
        "pt": "Item errado",
        "id": "Salah kirim barang",
    },
    "reason_size_row": {
        "en": "Size or fit",
        "hi": "साइज़ या फ़िटिंग",
        "es": "Talla o ajuste",
        "pt": "Tamanho ou caimento",
        "id": "Ukuran tidak pas",
    },
    "reason_not_as_described_row": {
        "en": "Not as described",
        "hi": "विवरण से अलग",
        "es": "No es como se describe",
        "pt": "Diferente do anunciado",
        "id": "Tidak sesuai deskripsi",
    },
    "reason_changed_mind_row": {
        "en": "Changed my mind",
        "hi": "मेरा मन बदल गया",
        "es": "Cambié de opinión",
        "pt": "Mudei de ideia",
        "id": "Berubah pikiran",
    },
    "reason_other_row": {
        "en": "Other reason",
        "hi": "कोई और वजह",
        "es": "Otro motivo",
        "pt": "Outro motivo",
        "id": "Alasan lain",
    },
    "return_ask_photo": {
        "en": "Please send a photo of the item (this helps {store} decide faster), or tap Skip.",
        "hi": "कृपया आइटम की एक फ़ोटो भेजें (इससे {store} को जल्दी फ़ैसला लेने में मदद मिलती है), "
        'या "छोड़ें" पर टैप करें।',
        "es": "Por favor, envía una foto del producto (así {store} puede decidir más rápido) o "
        "toca Omitir.",
        "pt": "Por favor, envie uma foto do item (isso ajuda a {store} a decidir mais rápido) ou "
        "toque em Pular.",
        "id": "Silakan kirim foto barangnya (agar {store} bisa memutuskan lebih cepat), atau "
        "ketuk Lewati.",
    },
    "return_photo_expected": {
        "en": "I need a photo of the item here, or tap Skip.",
        "hi": 'यहाँ सामान की फ़ोटो भेजें, या "छोड़ें" पर टैप करें।',
        "es": "Aquí necesito una foto del artículo, o toca Omitir.",
        "pt": "Aqui preciso de uma foto do item, ou toque em Pular.",
        "id": "Di sini saya perlu foto barangnya, atau ketuk Lewati.",
    },
    "return_done": {
        "en": "Your {kind} request for order {order} is registered (reference R{ref}). "
        "{store} will confirm the next steps here.",
        "hi": "ऑर्डर {order} के लिए आपकी {kind} रिक्वेस्ट दर्ज हो गई है (रेफ़रेंस R{ref})। "
        "{store} की टीम यहीं आगे की जानकारी देगी।",
        "es": "Tu solicitud de {kind} del pedido {order} quedó registrada (referencia R{ref}). "
        "{store} te confirmará aquí los siguientes pasos.",
        "pt": "Sua solicitação de {kind} do pedido {order} foi registrada (referência R{ref}). "
        "A equipe da {store} vai confirmar os próximos passos aqui.",
        "id": "Permintaan {kind} untuk pesanan {order} sudah tercatat (referensi R{ref}). "
        "Tim {store} akan mengonfirmasi langkah selanjutnya di sini.",
    },
    "kind_return": {
        "en": "return",
        "hi": "रिटर्न",
        "es": "devolución",
        "pt": "devolução",
        "id": "retur",
    },
    "kind_exchange": {
        "en": "exchange",
        "hi": "एक्सचेंज",
        "es": "cambio",
        "pt": "troca",
        "id": "tukar barang",
    },
    # --- feedback ---------------------------------------------------------------------
    "feedback_ask": {
        "en": "How would you rate order {order} from 0 (bad) to 10 (excellent)? "
        "Pick a score, or reply with a number.",
        "hi": "आप ऑर्डर {order} को 0 (खराब) से 10 (बेहतरीन) के बीच कितनी रेटिंग देंगे? "
        "नीचे से स्कोर चुनें, या जवाब में कोई संख्या लिखें।",
        "es": "¿Qué calificación le das al pedido {order} del 0 (malo) al 10 (excelente)? "
        "Elige una puntuación o responde con un número.",
        "pt": "Que nota você dá para o pedido {order}, de 0 (ruim) a 10 (excelente)? "
        "Escolha uma nota ou responda com um número.",
        "id": "Berapa nilai Anda untuk pesanan {order} dari 0 (buruk) sampai 10 (sangat baik)? "
        "Pilih nilai, atau balas dengan angka.",
    },
    "feedback_scores_btn": {
        "en": "Rate",
        "hi": "रेटिंग दें",
        "es": "Calificar",
        "pt": "Avaliar",
        "id": "Beri nilai",
    },
    "feedback_ask_comment": {
        "en": "Thank you for your {score}/10! Anything you'd like to add? "
        "Write it here, or tap Skip.",
        "hi": "आपकी {score}/10 रेटिंग के लिए धन्यवाद! क्या आप कुछ और बताना चाहेंगे? "
        'यहाँ लिखें, या "छोड़ें" पर टैप करें।',
        "es": "¡Gracias por tu {score}/10! ¿Quieres agregar algo? Escríbelo aquí o toca Omitir.",
        "pt": "Obrigado pela nota {score}/10! Quer acrescentar alguma coisa? "
        "Escreva aqui ou toque em Pular.",
        "id": "Terima kasih atas nilai {score}/10 dari Anda! Ada yang ingin Anda tambahkan? "
        "Tulis di sini, atau ketuk Lewati.",
    },
    "feedback_low": {
        "en": "Thank you for telling us, and sorry that order {order} disappointed you. "
        "Would you like to talk to a person?",
        "hi": "हमें बताने के लिए धन्यवाद, और हमें खेद है कि ऑर्डर {order} से आप निराश हुए। "
        "क्या आप किसी व्यक्ति से बात करना चाहेंगे?",
        "es": "Gracias por contarnos, y lamentamos que el pedido {order} te haya decepcionado. "
        "¿Quieres hablar con una persona?",
        "pt": "Obrigado por nos contar, e sentimos muito que o pedido {order} tenha te "
        "decepcionado. Quer falar com uma pessoa?",
        "id": "Terima kasih sudah memberi tahu kami, dan mohon maaf pesanan {order} mengecewakan "
        "Anda. Apakah Anda ingin bicara dengan petugas?",
    },
    "feedback_done": {
        "en": "Thank you! Your feedback helps {store} get better.",
        "hi": "धन्यवाद! आपका फ़ीडबैक {store} को और बेहतर बनने में मदद करता है।",
        "es": "¡Gracias! Tus comentarios ayudan a {store} a mejorar.",
        "pt": "Obrigado! Sua opinião ajuda a {store} a melhorar.",
        "id": "Terima kasih! Masukan Anda membantu {store} menjadi lebih baik.",
    },
    "feedback_none": {
        "en": 'I can\'t find a delivered order to rate for this number. Write "agent" for help.',
        "hi": 'इस नंबर पर रेटिंग के लिए कोई डिलीवर हुआ ऑर्डर नहीं मिला। मदद के लिए "agent" लिखें।',
        "es": "No encuentro un pedido entregado para calificar con este número. "
        'Escribe "agente" si necesitas ayuda.',
        "pt": "Não encontrei um pedido entregue para avaliar com este número. "
        'Escreva "atendente" para pedir ajuda.',
        "id": "Saya tidak menemukan pesanan yang sudah diterima untuk dinilai dari nomor ini. "
        'Tulis "admin" untuk bantuan.',
    },
    # --- catalog carts -----------------------------------------------------------------
    "cart_checkout": {
        "en": "Thanks! Your cart has {count} item(s) for {total}. Tap below to check out.",
        "hi": "धन्यवाद! आपके कार्ट में {total} के {count} आइटम हैं। चेकआउट के लिए नीचे टैप करें।",
        "es": "¡Gracias! Tu carrito tiene {count} producto(s) por {total}. Toca abajo para pagar.",
        "pt": "Obrigado! Seu carrinho tem {count} item(ns) no total de {total}. "
        "Toque abaixo para finalizar a compra.",
        "id": "Terima kasih! Keranjang Anda berisi {count} barang senilai {total}. "
        "Ketuk di bawah untuk checkout.",
    },
    "cart_btn": {
        "en": "Check out",
        "hi": "चेकआउट करें",
        "es": "Pagar",
        "pt": "Finalizar compra",
        "id": "Checkout",
    },
    "cart_handoff": {
        "en": "Thanks for your cart ({count} item(s)). A person at {store} will send you "
        "the payment link here.",
        "hi": "आपके कार्ट ({count} आइटम) के लिए धन्यवाद। "
        "{store} की टीम का कोई व्यक्ति आपको यहीं पेमेंट लिंक भेजेगा।",
        "es": "¡Gracias por tu carrito ({count} producto(s))! "
        "Una persona de {store} te enviará aquí el enlace de pago.",
        "pt": "Obrigado pelo seu carrinho ({count} item(ns)). "
        "Uma pessoa da {store} vai te enviar o link de pagamento aqui.",
        "id": "Terima kasih atas keranjang Anda ({count} barang). "
        "Petugas {store} akan mengirimkan link pembayaran di sini.",
    },
    "cart_empty": {
        "en": "Your cart looks empty. Add products from the catalog and send it again.",
        "hi": "आपका कार्ट खाली लग रहा है। कैटलॉग से प्रोडक्ट जोड़ें और फिर से भेजें।",
        "es": "Tu carrito parece estar vacío. Agrega productos del catálogo y envíalo de nuevo.",
        "pt": "Seu carrinho parece estar vazio. Adicione produtos do catálogo e envie de novo.",
        "id": "Keranjang Anda sepertinya kosong. Tambahkan produk dari katalog, lalu kirim lagi.",
    },
}
