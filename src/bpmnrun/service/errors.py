"""Errors a user can act on. Each carries a message fit to show as it is; none carries a traceback."""

from __future__ import annotations

from datetime import datetime


class ServiceError(Exception):
    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str, case_id: int | None = None) -> None:
        super().__init__(message)
        self.case_id = case_id  # the family's case the refused thing belongs to, for a way on


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str, completed_by: str | None = None, completed_at: datetime | None = None):
        super().__init__(message)
        self.completed_by = completed_by
        self.completed_at = completed_at


class InvalidInput(ServiceError):
    """Form values that fail validation: `errors` maps each field id to its reason."""

    status = 422

    def __init__(self, errors: dict[str, str], message: str = "the form has errors") -> None:
        super().__init__(message + ": " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DiagramInvalid(ServiceError):
    status = 422

    def __init__(self, problems) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
