"""Tests for ordertalk.commerce."""
