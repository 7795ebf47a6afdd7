"""Tests of contacts: phone numbers, consent, keywords."""
