"""Analysts' tools: compare variants of a procedure, simulate them, export event logs. Above the service layer."""
