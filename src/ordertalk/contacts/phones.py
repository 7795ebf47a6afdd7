"""Phone numbers: E.164 normalisation, WhatsApp ids, time zones, and masking for logs."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from phonenumbers import timezone as number_timezones

from ordertalk.errors import InvalidInput

# No real number is this long even with spaces and punctuation; refuse before parsing.
_MAX_RAW_LENGTH = 64
_UNKNOWN_ZONE = "Etc/Unknown"

# The zone most of a multi-zone country lives in. phonenumbers answers several zones for mobile
# numbers (which carry no area), and its fixed-line example sometimes lands elsewhere (RU: Irkutsk).
_MAIN_ZONE = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CL": "America/Santiago",
    "ES": "Europe/Madrid",
    "GB": "Europe/London",
    "ID": "Asia/Jakarta",
    "IN": "Asia/Kolkata",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
}

# phonenumbers still speaks some pre-2000s zone names; store the current IANA ones.
_CURRENT_NAME = {
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
}


def is_known_region(region: str) -> bool:
    """Whether `region` is an ISO 3166 alpha-2 code phonenumbers has numbering metadata for."""
    return region in phonenumbers.SUPPORTED_REGIONS


def normalise_phone(raw: str, region: str) -> str:
    """`raw` in any local or international format as E.164; InvalidInput (without the number)."""
    region = region.upper()
    if not is_known_region(region):
        raise InvalidInput(f"region {region[:8]!r} is not a known ISO country code")
    problem = f"phone is not a valid number for region {region}"
    if not raw.strip() or len(raw) > _MAX_RAW_LENGTH:
        raise InvalidInput(problem)
    number = _parse_valid(raw, region)
    if number is None and raw.strip().isdigit():
        # WhatsApp ids and many store exports are E.164 without the "+": try that reading only
        # when the local reading is not a valid number, so a real local number always wins.
        number = _parse_valid("+" + raw.strip(), region)
    if number is None:
        raise InvalidInput(problem)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse_valid(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def wa_id(e164: str) -> str:
    """The WhatsApp id of an E.164 number: its digits, without the "+"."""
    return "".join(ch for ch in e164 if ch.isdigit())


def region_timezone(region: str) -> str:
    """The main IANA zone of a country ("UTC" when phonenumbers knows none)."""
    region = region.upper()
    if region in _MAIN_ZONE:
        return _MAIN_ZONE[region]
    example = phonenumbers.example_number(region)
    zones = number_timezones.time_zones_for_number(example) if example is not None else ()
    known = [zone for zone in zones if zone != _UNKNOWN_ZONE]
    return _CURRENT_NAME.get(known[0], known[0]) if known else "UTC"


def timezone_for(e164: str, fallback: str) -> str:
    """The IANA zone of the number's area or country; `fallback` when phonenumbers cannot tell."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return fallback
    zones = [z for z in number_timezones.time_zones_for_number(number) if z != _UNKNOWN_ZONE]
    if not zones:
        return fallback
    zones = [_CURRENT_NAME.get(zone, zone) for zone in zones]
    if len(zones) > 1:
        # Mobile numbers map to every zone of their country: prefer where most people live.
        region = phonenumbers.region_code_for_number(number)
        main = _MAIN_ZONE.get(region or "")
        if main in zones:
            return main
    return zones[0]


def mask(e164: str) -> str:
    """The number for logs and messages: country code and last four digits, e.g. +91•••••3210."""
    digits = wa_id(e164)
    if len(digits) < 8:
        return "•••"
    try:
        country = str(phonenumbers.parse("+" + digits, None).country_code)
    except NumberParseException:
        country = ""
    # A fixed run of dots: the mask should not reveal the number's length either.
    return f"+{country}•••••{digits[-4:]}"
