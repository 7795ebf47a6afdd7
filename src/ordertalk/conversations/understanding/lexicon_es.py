"""Spanish (Spain and Latin America)."""

from __future__ import annotations

from ordertalk.conversations.understanding.vocabulary import Intent, Lexicon

LEXICON = Lexicon(
    language="es",
    phrases={
        Intent.WISMO: (
            "donde esta mi pedido", "donde esta mi paquete", "donde esta mi orden",
            "donde esta mi compra", "donde esta el pedido", "donde esta", "donde viene mi pedido",
            "cuando llega mi pedido", "cuando llega", "cuando llegara", "cuando me llega",
            "cuando va a llegar", "cuando llega el paquete", "cuando me entregan",
            "estado de mi pedido", "estado del pedido", "rastrear mi pedido", "rastrear pedido",
            "rastreo", "seguimiento", "numero de seguimiento", "guia de rastreo",
            "no ha llegado", "no me ha llegado", "no llega", "no me llega", "todavia no llega",
            "aun no llega", "no he recibido", "no recibi mi pedido", "no recibi",
            "ya enviaron mi pedido", "ya salio mi pedido", "ya fue enviado", "mi pedido no llega",
            "que paso con mi pedido", "que pasa con mi pedido", "pedido atrasado",
            "sigo esperando", "ya lo enviaron",
        ),
        Intent.CANCEL: (
            "cancelar", "cancelar mi pedido", "cancelar pedido", "cancelar el pedido",
            "quiero cancelar", "cancelen", "cancela", "cancelalo", "cancelacion", "anular pedido",
            "anular", "anular mi pedido", "ya no lo quiero", "ya no quiero el pedido",
            "ya no lo necesito", "cancelen mi pedido",
        ),
        Intent.RETURN: (
            "devolver", "quiero devolver", "devolucion", "hacer una devolucion", "reembolso",
            "quiero mi dinero", "devolver el producto", "devuelvo", "regresar el producto",
            "producto danado", "llego roto", "llego danado", "defectuoso", "producto equivocado",
            "me llego otro producto", "reembolsar", "devolverlo", "mala calidad",
        ),
        Intent.EXCHANGE: (
            "cambio", "cambiar talla", "cambiar de talla", "cambiar la talla",
            "cambiar el producto",
            "otra talla", "cambiar color", "cambiar el color", "hacer un cambio",
            "quiero cambiarlo",
            "talla equivocada", "reemplazo", "reemplazar", "me queda chico", "me queda grande",
            "cambiarlo por otro", "talla incorrecta",
        ),
        Intent.CHANGE_ADDRESS: (
            "cambiar direccion", "cambiar mi direccion", "cambiar la direccion",
            "cambio de direccion", "nueva direccion", "direccion equivocada",
            "direccion incorrecta", "actualizar direccion", "actualizar mi direccion",
            "corregir direccion", "corregir la direccion", "otra direccion", "modificar direccion",
            "cambiar domicilio", "cambiar la direccion de entrega", "me mude",
            "mi direccion esta mal",
        ),
        Intent.RESCHEDULE: (
            "reprogramar", "reprogramar la entrega", "cambiar fecha de entrega", "cambiar la fecha",
            "entregar otro dia", "otro dia", "no estoy en casa", "no estare en casa",
            "entregar manana", "entreguen manana", "vengan manana", "traer manana", "posponer",
            "mas tarde", "la proxima semana", "aplazar la entrega", "otra fecha",
        ),
        Intent.HUMAN: (
            "hablar con una persona", "hablar con alguien", "hablar con un agente",
            "hablar con un humano", "hablar con un asesor", "asesor", "agente", "humano",
            "persona real", "atencion al cliente", "servicio al cliente", "comunicarme con alguien",
            "llamenme", "llamame", "operador", "un humano", "una persona", "hablar con soporte",
            "ejecutivo",
        ),
        Intent.GREETING: (
            "hola", "buenos dias", "buenas tardes", "buenas noches", "buenas", "que tal",
            "saludos", "buen dia", "hola que tal",
        ),
        Intent.THANKS: (
            "gracias", "muchas gracias", "mil gracias", "te lo agradezco", "se lo agradezco",
            "muy amable", "gracias por todo", "ok gracias", "vale gracias",
        ),
        Intent.YES: (
            "si", "claro", "vale", "dale", "de acuerdo", "por supuesto", "correcto", "confirmo",
            "esta bien", "si por favor", "si claro", "perfecto", "asi es", "afirmativo", "sip",
        ),
        Intent.NO: (
            "no", "no gracias", "nel", "para nada", "todavia no", "aun no", "no por ahora",
            "nunca", "negativo",
        ),
    },
    negators=("no", "nunca", "jamas", "ni", "tampoco"),
    negator_reach=3,
    negation_bridges=(
        "lo", "la", "los", "las", "me", "te", "se", "le", "les", "quiero", "queremos",
        "necesito", "voy", "vamos", "a", "hace", "falta", "hay", "que", "es", "necesario",
        "deseo", "quisiera", "pienso", "por", "favor", "mi", "el",
    ),
    order_words=(
        "pedido", "orden", "compra", "numero de pedido", "no de pedido", "folio",
        "mi pedido", "num de pedido", "numero de orden",
    ),
    phone_words=(
        "telefono", "celular", "cel", "llamame", "llamenme", "whatsapp", "movil",
        "numero de contacto", "mi numero", "numero de telefono", "numero de celular",
    ),
    not_order_words=(
        "pesos", "mxn", "euros", "eur", "dolares", "cop", "ars", "clp", "soles", "dias",
        "horas", "minutos", "codigo postal", "cp", "piso", "calle", "casa", "depto",
        "departamento", "unidades", "piezas",
    ),
    stopwords=(
        "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "al", "a", "en",
        "y", "o", "que", "como", "cual", "cuanto", "cuanta", "cuantos", "cuando", "donde",
        "por", "para", "con", "sin", "mi", "mis", "tu", "tus", "su", "sus", "me", "te", "se",
        "le", "les", "lo", "es", "son", "esta", "estan", "ser", "estar", "hay", "hacen",
        "hace", "tienen", "tiene", "tengo", "puedo", "pueden", "puede", "ustedes", "usted",
        "yo", "nos", "favor", "hola", "gracias", "buenas", "buenos", "dias", "quiero",
        "quisiera", "saber", "algo", "muy", "mas", "tambien", "si", "ya", "este", "esto",
    ),
    synonyms={
        "~deliver": (
            "envio", "envios", "envian", "enviar", "envias", "entrega", "entregan", "entregas",
            "entregar", "mandan", "enviado", "despachan", "llegan",
        ),
        "~return": ("devolucion", "devoluciones", "devolver", "devuelvo", "devolverlo"),
        "~refund": ("reembolso", "reembolsos", "reembolsar"),
        "~exchange": ("cambio", "cambios", "cambiar", "reemplazo"),
        "~duration": ("tiempo", "tarda", "tardan", "demora", "demoran", "dias", "cuanto"),
        "~price": ("precio", "precios", "costo", "costos", "cuesta", "cobran", "tarifa"),
        "~pay": ("pago", "pagos", "pagar", "pague"),
        "~cod": ("contraentrega", "contra", "efectivo"),
        "~size": ("talla", "tallas", "medida", "medidas"),
        "~store": ("tienda", "tiendas", "local", "sucursal"),
        "~open": ("abren", "abierto", "horario", "horarios"),
        "~discount": ("descuento", "descuentos", "cupon", "cupones", "oferta", "ofertas"),
    },
    markers=(
        "hola", "quiero", "donde", "cuando", "pedido", "gracias", "mi", "el", "esta", "por",
        "favor", "hablar", "llega", "una", "con", "que", "ya", "usted", "ustedes",
    ),
)  # fmt: skip
