"""Indonesian, formal and chat-style ("gak", "udah", "min", "kak")."""

from __future__ import annotations

from ordertalk.conversations.understanding.vocabulary import Intent, Lexicon

LEXICON = Lexicon(
    language="id",
    phrases={
        Intent.WISMO: (
            "pesanan saya di mana", "pesanan saya dimana", "pesananku dimana", "pesanan dimana",
            "pesanan saya sampai mana", "paket saya di mana", "paket saya dimana",
            "paketnya dimana",
            "paket dimana", "kapan paket sampai", "kapan sampai", "kapan sampainya",
            "kapan dikirim", "kapan pesanan saya sampai", "kapan datang", "kapan nyampe",
            "kapan tiba", "belum sampai", "belum datang", "belum diterima", "belum nyampe",
            "pesanan belum sampai", "paket belum sampai", "status pesanan", "lacak pesanan",
            "lacak paket", "cek resi", "nomor resi", "resi", "sudah dikirim belum",
            "udah dikirim belum", "sudah dikirim", "udah dikirim", "posisi paket",
            "sampai mana", "sudah sampai mana", "kok lama", "lama banget", "belum dikirim",
            "kok belum", "belum dikirim juga",
        ),
        Intent.CANCEL: (
            "batal", "batalkan", "batalin", "dibatalkan", "pembatalan", "mau batal", "cancel",
            "cancel pesanan", "batalkan pesanan", "batalkan pesanan saya", "gak jadi beli",
            "nggak jadi beli", "tidak jadi beli", "gak jadi pesan", "ga jadi beli",
            "nggak jadi pesan", "cancel aja", "batal aja", "mau cancel",
        ),
        Intent.RETURN: (
            "retur", "mau retur", "retur barang", "pengembalian", "pengembalian barang",
            "kembalikan barang", "refund", "minta refund", "uang kembali", "balikin uang",
            "barang rusak", "barang cacat", "return", "kembalikan", "pengembalian dana",
            "barangnya rusak", "salah kirim", "barang salah",
        ),
        Intent.EXCHANGE: (
            "tukar", "tukar barang", "tukar ukuran", "ganti ukuran", "ganti size", "tukar size",
            "ganti warna", "tukar warna", "penukaran", "ukuran salah", "kekecilan", "kebesaran",
            "tukar tambah", "ganti barang",
        ),
        Intent.CHANGE_ADDRESS: (
            "ganti alamat", "ubah alamat", "ganti alamat pengiriman", "ubah alamat pengiriman",
            "alamat salah", "alamat baru", "pindah alamat", "update alamat", "perbarui alamat",
            "alamatnya salah", "salah alamat", "koreksi alamat", "ganti alamatnya",
        ),
        Intent.RESCHEDULE: (
            "jadwal ulang", "kirim besok", "dikirim besok", "antar besok", "diantar besok",
            "ganti jadwal", "tunda pengiriman", "lain hari", "hari lain", "tidak di rumah",
            "nggak di rumah", "gak di rumah", "lagi tidak di rumah", "diundur", "undur",
            "besok aja", "minggu depan",
        ),
        Intent.HUMAN: (
            "bicara dengan cs", "bicara dengan admin", "bicara dengan manusia",
            "bicara dengan orang", "ngobrol sama admin", "ngobrol dengan cs", "hubungi cs",
            "hubungi admin", "minta cs", "sambungkan ke cs", "customer service", "cs",
            "manusia", "orang asli", "chat admin", "telepon saya", "telpon saya", "agen",
            "mau ngomong sama orang", "admin asli", "sama cs",
            # The bot's own texts say: tulis "admin" untuk bicara dengan petugas.
            "admin",
        ),
        Intent.GREETING: (
            "halo", "hai", "hallo", "selamat pagi", "selamat siang", "selamat sore",
            "selamat malam", "permisi", "assalamualaikum", "hi kak", "halo kak", "pagi",
            "siang", "malam", "halo min", "hai kak", "misi",
        ),
        Intent.THANKS: (
            "terima kasih", "makasih", "trims", "terimakasih", "makasi", "tengkyu",
            "trimakasih", "makasih kak", "terima kasih banyak", "thanks kak", "makasih min",
            "oke makasih", "ok makasih",
            # A closing "amen" ("aamiin" folds to "amin"), read as exactly that: it is one letter
            # from "admin", and a typo of the word that calls a person would hand it over.
            "amin",
        ),
        Intent.YES: (
            "ya", "iya", "betul", "benar", "oke", "boleh", "sip", "siap", "baik", "setuju",
            "yoi", "ya kak", "iya kak", "bener", "ya betul", "iya boleh", "mau",
        ),
        Intent.NO: (
            "tidak", "tidak usah", "nggak", "nggak usah", "gak", "ga", "enggak", "ngga",
            "gak usah", "ga usah", "jangan", "tdk", "gk", "ndak", "bukan", "belum", "engga",
            "tidak kak", "gak kak", "tidak perlu",
        ),
    },
    negators=(
        "tidak", "tak", "nggak", "ngga", "gak", "ga", "enggak", "engga", "jangan", "bukan",
        "tdk", "gk", "ndak", "jgn",
    ),
    negator_reach=2,
    negation_bridges=(
        "mau", "jadi", "usah", "perlu", "ingin", "pengen", "pengin", "dulu", "saya", "aku",
        "akan", "bisa", "mohon", "tolong",
    ),
    order_words=(
        "pesanan", "order", "no pesanan", "nomor pesanan", "invoice", "inv", "no order",
        "nomor order", "id pesanan", "pesanan saya", "kode pesanan",
    ),
    phone_words=(
        "hp", "no hp", "nomor hp", "telepon", "telpon", "wa", "nomor wa", "no wa", "whatsapp",
        "nomor saya", "hubungi", "hubungi saya", "nomor telepon",
    ),
    not_order_words=(
        "rp", "rupiah", "ribu", "rb", "jt", "juta", "hari", "jam", "menit", "kode pos",
        "kodepos", "rt", "rw", "jalan", "jl", "nomor rumah", "blok", "pcs", "buah",
    ),
    stopwords=(
        "saya", "aku", "kamu", "anda", "kak", "kakak", "min", "gan", "sis", "bang", "yang",
        "di", "ke", "dari", "dan", "atau", "ini", "itu", "apa", "apakah", "bagaimana",
        "gimana", "berapa", "kapan", "mana", "dimana", "untuk", "buat", "dengan", "sama",
        "ada", "adalah", "bisa", "boleh", "mau", "ingin", "tolong", "mohon", "nya", "dong",
        "ya", "kah", "sudah", "udah", "belum", "akan", "juga", "halo", "hai", "terima",
        "kasih", "makasih", "pak", "bu", "mas", "mbak", "kami", "kalian", "aja", "saja",
        "lagi", "kok", "sih", "deh", "nih", "tuh", "tidak", "gak",
    ),
    synonyms={
        "~deliver": (
            "kirim", "dikirim", "pengiriman", "mengirim", "antar", "diantar", "ongkir",
            "ekspedisi", "kurir",
        ),
        "~return": ("retur", "pengembalian", "kembalikan"),
        "~refund": ("refund", "dana"),
        "~exchange": ("tukar", "penukaran", "ganti"),
        "~duration": ("lama", "hari", "waktu", "berapa"),
        "~price": ("harga", "biaya", "tarif"),
        "~pay": ("bayar", "pembayaran", "transfer"),
        "~cod": ("cod", "tunai"),
        "~size": ("ukuran", "size"),
        "~store": ("toko", "offline", "gerai"),
        "~open": ("buka", "jam"),
        "~discount": ("diskon", "promo", "voucher", "kupon"),
    },
    # Possessive "-nya"/"-ku" forms of the words phrases are made of.
    aliases={
        "resi": ("resinya",), "paket": ("paketnya", "paketku"),
        "pesanan": ("pesanannya", "pesananku"), "alamat": ("alamatnya", "alamatku"),
        "barang": ("barangnya",), "ukuran": ("ukurannya",), "dimana": ("dmn",),
    },
    markers=(
        "saya", "pesanan", "kapan", "mana", "dimana", "di", "sudah", "belum", "kak", "min",
        "dong", "ya", "mau", "yang", "tidak", "gak", "nggak", "sampai", "paket", "tolong",
    ),
)  # fmt: skip
