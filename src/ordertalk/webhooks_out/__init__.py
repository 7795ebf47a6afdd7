"""Signed outgoing webhooks to merchants (Standard Webhooks): endpoints, an outbox, a sender."""
