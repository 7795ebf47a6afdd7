"""Portuguese (Brazil first, Portugal where it differs)."""

from __future__ import annotations

from ordertalk.conversations.understanding.vocabulary import Intent, Lexicon

LEXICON = Lexicon(
    language="pt",
    phrases={
        Intent.WISMO: (
            "cade meu pedido", "cade o meu pedido", "cade minha encomenda", "cade a encomenda",
            "cade", "onde esta meu pedido", "onde esta o meu pedido", "onde esta minha encomenda",
            "onde esta a minha encomenda", "onde ta meu pedido", "onde anda o meu pedido",
            "quando chega", "quando chega meu pedido", "quando vai chegar",
            "quando meu pedido chega",
            "quando vou receber", "rastrear pedido", "rastrear meu pedido", "rastreio",
            "codigo de rastreio", "rastreamento", "status do pedido", "situacao do pedido",
            "meu pedido nao chegou", "nao chegou", "ainda nao chegou", "nao recebi",
            "ainda nao recebi", "pedido atrasado", "ja foi enviado", "foi enviado", "ja saiu",
            "previsao de entrega", "prazo de entrega do meu pedido", "estou esperando",
            "nao foi entregue", "ainda nao foi entregue", "nao entregue", "nao entregaram",
        ),
        Intent.CANCEL: (
            "cancelar", "cancelar pedido", "cancelar meu pedido", "cancelar o pedido",
            "quero cancelar", "cancela", "cancelem", "cancelamento", "desistir da compra",
            "desisti da compra", "nao quero mais o pedido", "nao quero mais o produto",
            "cancelar a compra", "cancela ai",
        ),
        Intent.RETURN: (
            "devolver", "quero devolver", "devolucao", "fazer devolucao", "fazer a devolucao",
            "reembolso", "estorno", "quero meu dinheiro de volta", "dinheiro de volta",
            "produto com defeito", "veio quebrado", "veio com defeito", "veio errado",
            "produto errado", "veio danificado", "devolver o produto", "defeito",
        ),
        Intent.EXCHANGE: (
            "trocar", "quero trocar", "troca", "trocar tamanho", "trocar o tamanho",
            "outro tamanho",
            "trocar a cor", "fazer a troca", "tamanho errado", "trocar por outro",
            "ficou pequeno", "ficou grande", "nao serviu", "substituir",
        ),
        Intent.CHANGE_ADDRESS: (
            "mudar endereco", "mudar o endereco", "mudar meu endereco", "alterar endereco",
            "alterar o endereco", "alterar meu endereco", "trocar endereco", "trocar o endereco",
            "novo endereco", "endereco errado", "endereco incorreto", "atualizar endereco",
            "corrigir endereco", "corrigir o endereco", "outro endereco", "me mudei",
            "mudanca de endereco", "endereco de entrega",
        ),
        Intent.RESCHEDULE: (
            "reagendar", "reagendar a entrega", "remarcar entrega", "remarcar a entrega",
            "mudar data de entrega", "mudar a data", "outro dia", "entregar amanha",
            "nao estou em casa", "nao vou estar em casa", "adiar entrega", "adiar a entrega",
            "mais tarde", "semana que vem", "outra data", "entregar outro dia",
        ),
        Intent.HUMAN: (
            "falar com atendente", "falar com um atendente", "atendente", "falar com uma pessoa",
            "falar com alguem", "atendimento humano", "humano", "pessoa real", "suporte",
            "falar com humano", "falar com um humano", "me liga", "me ligue", "sac",
            "quero atendimento", "falar com o suporte",
        ),
        Intent.GREETING: (
            "ola", "oi", "bom dia", "boa tarde", "boa noite", "e ai", "opa", "oie", "tudo bem",
            "oi tudo bem", "ola bom dia",
        ),
        Intent.THANKS: (
            "obrigado", "obrigada", "muito obrigado", "muito obrigada", "valeu", "obg",
            "brigado", "brigada", "agradeco", "obrigadao", "ok obrigado", "ok obrigada",
        ),
        Intent.YES: (
            "sim", "claro", "isso", "pode ser", "pode", "confirmo", "certo", "beleza", "ta bom",
            "ta", "pode sim", "com certeza", "uhum", "isso mesmo", "sim por favor", "fechado",
        ),
        Intent.NO: (
            "nao", "nao obrigado", "nao obrigada", "agora nao", "nem", "de jeito nenhum",
            "negativo", "ainda nao", "nao precisa",
        ),
    },
    # "no" and "na" are "in the" in Portuguese, never a negation.
    negators=("nao", "nunca", "nem", "jamais"),
    negator_reach=3,
    negation_bridges=(
        "quero", "vou", "precisa", "precisam", "preciso", "o", "a", "os", "as", "me", "mais",
        "e", "para", "pra", "deve", "devem", "querem", "quer", "gostaria", "de", "por", "favor",
        "meu", "minha", "pode", "podem",
    ),
    order_words=(
        "pedido", "encomenda", "compra", "numero do pedido", "n do pedido", "meu pedido",
        "codigo do pedido", "no pedido",
    ),
    phone_words=(
        "telefone", "celular", "cel", "whatsapp", "zap", "me liga", "ligar", "ligue",
        "meu numero", "contato", "numero de telefone", "numero de celular",
    ),
    not_order_words=(
        "reais", "real", "brl", "r", "dias", "horas", "minutos", "cep", "apto",
        "apartamento", "casa", "rua", "numero da casa", "unidades", "pecas",
    ),
    stopwords=(
        "o", "a", "os", "as", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das", "em",
        "no", "na", "nos", "nas", "e", "ou", "que", "como", "qual", "quanto", "quanta",
        "quantos", "quando", "onde", "por", "para", "pra", "com", "sem", "meu", "minha",
        "meus", "minhas", "seu", "sua", "voce", "voces", "vc", "vcs", "eu", "me", "se", "lhe",
        "e", "sao", "esta", "estao", "ser", "estar", "tem", "tenho", "posso", "pode", "podem",
        "fazem", "faz", "ola", "oi", "obrigado", "obrigada", "bom", "dia", "quero",
        "gostaria", "saber", "algo", "muito", "mais", "tambem", "sim", "ja", "isso", "esse",
        "essa", "aqui", "ai", "tudo", "bem",
    ),
    synonyms={
        "~deliver": (
            "entrega", "entregam", "entregas", "entregar", "enviam", "envio", "envios",
            "enviar", "mandam", "frete", "enviado", "despacham",
        ),
        "~return": ("devolucao", "devolucoes", "devolver"),
        "~refund": ("reembolso", "estorno", "reembolsar"),
        "~exchange": ("troca", "trocas", "trocar", "substituir"),
        "~duration": ("tempo", "demora", "demoram", "prazo", "dias", "quanto"),
        "~price": ("preco", "precos", "custo", "custa", "valor", "taxa"),
        "~pay": ("pagamento", "pagar", "pago", "pix", "boleto"),
        "~size": ("tamanho", "tamanhos", "medida", "medidas"),
        "~store": ("loja", "lojas", "fisica"),
        "~open": ("abre", "aberto", "horario", "funcionamento"),
        "~discount": ("desconto", "descontos", "cupom", "cupons", "promocao", "oferta"),
    },
    markers=(
        "meu", "minha", "cade", "voce", "vc", "nao", "quero", "obrigado", "obrigada", "pedido",
        "encomenda", "oi", "ola", "esta", "ta", "com", "uma", "falar",
    ),
)  # fmt: skip
