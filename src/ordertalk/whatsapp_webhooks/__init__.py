"""Receiving the Cloud API's webhooks: verify the signature, store the raw event, acknowledge."""
