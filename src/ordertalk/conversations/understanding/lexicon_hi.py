"""Hindi: Devanagari and romanised Hinglish, with the English loanwords Hindi speakers use."""

from __future__ import annotations

from ordertalk.conversations.understanding.vocabulary import Intent, Lexicon

LEXICON = Lexicon(
    language="hi",
    phrases={
        Intent.WISMO: (
            # Hinglish
            "mera order kahan hai", "mera order kaha hai", "order kahan hai", "order kaha hai",
            "order kidhar hai", "parcel kidhar hai", "parcel kahan hai", "kidhar hai",
            "kahan hai", "kaha hai", "order kab aayega", "order kab ayega", "kab aayega",
            "kab ayega", "kab aaega", "kab milega", "order kab milega", "kab tak aayega",
            "kab tak milega", "kab pahunchega", "delivery kab hogi", "delivery kab hai",
            "order ka status", "order status kya hai", "status kya hai", "abhi tak nahi aaya",
            "abhi tak nahi mila", "order nahi aaya", "order nahi mila", "parcel nahi aaya",
            "nahi aaya", "nahi mila", "track karna hai", "order track karo",
            "kab deliver hoga", "kab dispatch hoga", "dispatch hua kya", "order aaya nahi",
            "kitne din lagenge", "kitna time lagega", "aa jayega", "kab aa jayega",
            "kab tak aa jayega", "order ka kya hua", "parcel ka kya hua", "kya hua order ka",
            # Devanagari
            "मेरा ऑर्डर कहाँ है", "ऑर्डर कहाँ है", "ऑर्डर कहां है", "मेरा पार्सल कहाँ है",
            "पार्सल कहाँ है", "कहाँ है", "ऑर्डर कब आएगा", "कब आएगा", "कब आयेगा", "कब मिलेगा",
            "ऑर्डर कब मिलेगा", "अभी तक नहीं आया", "अभी तक नहीं मिला", "ऑर्डर नहीं आया",
            "ऑर्डर नहीं मिला", "नहीं आया", "नहीं मिला", "डिलीवरी कब होगी", "ऑर्डर का स्टेटस",
            "ट्रैक", "कितने दिन लगेंगे",
        ),
        Intent.CANCEL: (
            "cancel karna hai", "cancel karni hai", "cancel karo", "cancel kar do", "cancel kardo",
            "cancel kr do", "cancel krdo", "cancel karwana hai", "order cancel karo",
            "order cancel karna hai", "order cancel kar do", "mujhe cancel karna hai",
            "order nahi chahiye", "ab nahi chahiye", "mujhe ye order nahi chahiye",
            "radd karo", "radd kar do", "cancel kijiye", "cancel karein",
            "रद्द करो", "रद्द कर दो", "रद्द करना है", "कैंसल करो", "कैंसल कर दो", "कैंसल करना है",
            "ऑर्डर कैंसल", "ऑर्डर नहीं चाहिए", "अब नहीं चाहिए", "कैंसिल करो", "कैंसिल",
            "कैंसल",
        ),
        Intent.RETURN: (
            "return karna hai", "return karo", "return kar do", "return chahiye",
            "return karwana hai", "wapas karna hai", "wapas karo", "wapas kar do", "wapas lo",
            "wapas le lo", "vapas karna hai", "vapas lo", "refund chahiye", "refund kab milega",
            "paise wapas", "paisa wapas", "paise vapas", "paise wapas chahiye",
            "product kharab hai", "kharab hai", "kharab nikla", "toota hua", "tuta hua",
            "damage hai", "galat product", "galat item", "galat saman",
            "रिटर्न", "रिटर्न करना है", "वापस करना है", "वापस करो", "वापस ले लो", "पैसे वापस",
            "रिफंड", "खराब है", "टूटा हुआ", "गलत सामान",
        ),
        Intent.EXCHANGE: (
            "exchange karna hai", "exchange karo", "exchange kar do", "exchange chahiye",
            "size badalna hai", "size change karna hai", "size change karo", "dusra size",
            "doosra size", "badla size", "replace karo", "replace kar do", "replacement chahiye",
            "product badalna hai", "saman badalna hai", "size chota hai", "size bada hai",
            "colour badalna hai", "color change karna hai",
            "एक्सचेंज", "एक्सचेंज करना है", "साइज बदलना है", "साइज़ बदलना है", "दूसरा साइज",
            "बदल दो", "बदलना है",
        ),
        Intent.CHANGE_ADDRESS: (
            "address badalna hai", "address change karna hai", "address change karo",
            "address change", "address badlo", "address badal do", "pata badalna hai",
            "pata badlo", "pata badal do", "naya address", "galat address", "address galat hai",
            "address update karna hai", "address update karo", "address sahi karo",
            "dusre address pe", "doosre address par",
            "पता बदलना", "पता बदलना है", "पता बदलो", "पता बदल दो", "एड्रेस बदलना", "एड्रेस बदलो",
            "एड्रेस चेंज", "नया पता", "गलत पता", "पता गलत है",
        ),
        Intent.RESCHEDULE: (
            "kal deliver karo", "kal deliver kar do", "kal bhejo", "kal bhej do", "kal le aana",
            "kal lana", "baad mein deliver", "baad me deliver karna", "baad mein bhejo",
            "ghar par nahi hoon", "ghar pe nahi hu", "ghar par nahi hun", "ghar pe nahi hoon",
            "delivery date change", "delivery kal karo", "kisi aur din", "dusre din",
            "aaj mat bhejo", "aaj mat lana", "aaj nahi lena", "shaam ko bhejo", "bahar hoon",
            "kal bhejna", "kal bhejiye", "ghar pe koi nahi", "ghar par koi nahi",
            "कल डिलीवर करो", "कल भेजो", "बाद में भेजो", "घर पर नहीं हूँ", "किसी और दिन",
            "आज मत भेजो",
        ),
        Intent.HUMAN: (
            "kisi insaan se baat", "insaan se baat", "insan se baat", "agent se baat karni hai",
            "agent se baat", "customer care se baat", "customer care", "kisi se baat karni hai",
            "kisi se baat karao", "baat karni hai", "baat karao", "call karo", "mujhe call karo",
            "call kijiye", "call kar do", "executive se baat", "aadmi se baat",
            "किसी इंसान से बात", "इंसान से बात", "एजेंट से बात", "कस्टमर केयर", "बात करनी है",
            "कॉल करो", "किसी से बात",
        ),
        Intent.GREETING: (
            "namaste", "namaskar", "hello ji", "hi ji", "ram ram", "pranam", "jai shri krishna",
            "नमस्ते", "नमस्कार", "हेलो", "हाय", "प्रणाम", "राम राम",
        ),
        Intent.THANKS: (
            "dhanyawad", "dhanyavad", "dhanyavaad", "shukriya", "thank you ji", "thanks ji",
            "thanku", "thank u bhai", "thanks bhai", "bahut shukriya",
            "धन्यवाद", "शुक्रिया", "थैंक यू", "बहुत धन्यवाद",
        ),
        Intent.YES: (
            "haan", "han", "ha", "haan ji", "ha ji", "hanji", "ji haan", "ji", "theek hai",
            "thik hai", "sahi hai", "kar do", "bilkul", "haan kar do", "ok ji", "thik h",
            "हाँ", "हां", "जी", "जी हाँ", "ठीक है", "बिल्कुल", "सही है",
        ),
        Intent.NO: (
            "nahi", "nahin", "nhi", "na", "nai", "mat karo", "rehne do", "nahi chahiye",
            "nahi ji", "nahi bhai", "abhi nahi",
            "नहीं", "नही", "ना", "मत करो", "रहने दो", "नहीं चाहिए", "अभी नहीं",
        ),
    },
    # Hindi puts the negation right before the verb ("cancel nahi karna", "mat cancel karo"), so a
    # negator only counts when adjacent; "order nahi aaya cancel karo" is not "don't cancel".
    negators=("mat", "mt", "nahi", "nahin", "nhi", "na", "मत", "नहीं", "नही", "न", "ना"),
    negator_reach=0,
    post_negators=(
        "mat", "mt", "nahi", "nahin", "nhi", "na karo", "na karein", "मत", "नहीं", "नही",
        "ना करो", "न करें",
    ),
    post_negation_bridges=(
        "karo", "karna", "karni", "karein", "karen", "kare", "kar", "kijiye", "hona",
        "करो", "करना", "करें", "कर", "कीजिए",
    ),
    order_words=(
        "order", "order no", "order number", "order id", "ordr", "odr", "mera order",
        "ऑर्डर", "आर्डर", "ऑडर", "ऑर्डर नंबर", "ऑर्डर नं",
    ),
    phone_words=(
        "phone", "mobile", "call", "mera number", "mobile number", "phone number", "number pe",
        "फोन", "फ़ोन", "मोबाइल", "कॉल", "मेरा नंबर", "मोबाइल नंबर",
    ),
    not_order_words=(
        "rupaye", "rupay", "rupees", "rs", "din", "ghante", "pin", "pincode", "pin code",
        "रुपये", "रुपए", "दिन", "घंटे", "पिन", "पिनकोड", "पिन कोड", "मकान", "फ्लैट",
    ),
    stopwords=(
        "hai", "hain", "ka", "ki", "ke", "ko", "se", "me", "mein", "mai", "main", "mera",
        "meri", "mere", "mujhe", "muje", "kya", "kab", "kaise", "kahan", "aap", "aapka",
        "aapki", "aapke", "ap", "apka", "tum", "ye", "yeh", "wo", "woh", "bhi", "toh", "ho",
        "hoga", "hogi", "tha", "thi", "par", "pe", "aur", "bhai", "ji", "sir", "kuch", "koi",
        "hum", "hamara", "hamare", "kar", "karo", "karna", "sakte", "sakta", "skte", "milta",
        "है", "हैं", "का", "की", "के", "को", "से", "में", "मेरा", "मेरी", "मुझे", "क्या", "कब",
        "कैसे", "आप", "आपका", "आपके", "यह", "वह", "भी", "तो", "हो", "और", "पर", "जी",
    ),
    synonyms={
        "~deliver": (
            "delivery", "deliver", "bhejte", "bhejenge", "bhej", "dispatch", "shipping",
            "डिलीवरी", "भेजते", "भेजेंगे",
        ),
        "~return": ("return", "wapas", "vapas", "wapsi", "वापस", "वापसी", "रिटर्न"),
        "~refund": ("refund", "रिफंड"),
        "~exchange": ("exchange", "badalna", "एक्सचेंज", "बदलना"),
        "~duration": ("din", "time", "samay", "kitne", "kitna", "दिन", "समय", "कितने"),
        "~cod": ("cod", "cash", "नकद"),
        "~price": ("price", "daam", "kimat", "keemat", "कीमत", "दाम"),
    },
    aliases={
        # Devanagari spellings of the words Hinglish phrases are made of: mixed-script messages
        # ("mera ऑर्डर kahan है") then read like either script.
        "mera": ("मेरा",), "meri": ("मेरी",), "mujhe": ("मुझे", "muje"),
        "order": ("ऑर्डर", "आर्डर", "ऑडर", "ordr", "odr"),
        "kahan": ("कहाँ", "कहां", "kaha", "kha"), "hai": ("है", "h", "hy"), "kab": ("कब",),
        "nahi": ("नहीं", "नही", "nhi", "nahin", "nai"), "aaya": ("आया",), "mila": ("मिला",),
        "aayega": ("आएगा", "आयेगा", "ayega", "aaega"), "milega": ("मिलेगा",),
        "parcel": ("पार्सल",), "cancel": ("कैंसल", "कैंसिल"), "return": ("रिटर्न",),
        "karna": ("करना", "krna"), "karo": ("करो", "kro"), "kar": ("कर", "kr"), "baat": ("बात",),
        "pata": ("पता",), "badalna": ("बदलना",), "address": ("एड्रेस",), "delivery": ("डिलीवरी",),
        "wapas": ("वापस", "vapas", "vaapas"), "chahiye": ("चाहिए", "chaiye", "chahie"),
        "abhi": ("अभी",), "tak": ("तक",), "kisi": ("किसी",), "insaan": ("इंसान", "insan"),
        "agent": ("एजेंट",), "mat": ("मत", "mt"), "track": ("ट्रैक",), "status": ("स्टेटस",),
        "refund": ("रिफंड",), "exchange": ("एक्सचेंज",), "size": ("साइज",), "ka": ("का",),
        "se": ("से",), "ghar": ("घर",), "par": ("पर",), "kal": ("कल",), "bhejo": ("भेजो",),
        "paise": ("पैसे",), "karni": ("करनी", "krni"),
    },
    markers=(
        "hai", "kya", "kahan", "kaha", "kab", "mera", "meri", "mujhe", "nahi", "karo", "karna",
        "chahiye", "bhai", "aayega", "milega", "kidhar", "wapas", "badalna", "baat", "ji",
    ),
)  # fmt: skip
