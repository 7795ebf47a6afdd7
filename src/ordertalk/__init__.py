"""Ordertalk: WhatsApp commerce messaging for online stores."""

__version__ = "0.1.0"
