"""Tests for ordertalk.policy."""
