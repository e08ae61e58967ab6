"""The service layer: one function per use case, each one database transaction.

Front ends (CLI, web, API) parse input, call these functions and render what they return; no
business rule lives in a front end.
"""
