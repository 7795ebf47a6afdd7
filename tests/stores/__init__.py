"""Tests of stores: keys, settings, integrations, the CLI."""
