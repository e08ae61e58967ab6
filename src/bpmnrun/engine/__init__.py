"""The engine layer: SpiffWorkflow wrapped for bpmnrun. Knows nothing of SQL or HTTP."""
