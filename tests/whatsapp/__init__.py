"""Tests for ordertalk.whatsapp."""
