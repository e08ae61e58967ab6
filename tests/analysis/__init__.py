"""Tests of the analysts' tools."""
