"""A problem found in a diagram, located by file, line and element id, with its severity.

An error is a diagram that would break a real case (or cannot be read): `bpmnrun check` exits 1 and deploy
refuses it. A warning is worth fixing but breaks nothing (caseworker text that reads like a modelling note):
it is printed, and the diagram still deploys.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    element_id: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        label = "warning: " if self.severity == WARNING else ""
        return f"{self.path}:{self.line}: {self.element_id or '-'}: {label}{self.message}"


class DiagramError(Exception):
    """Diagrams that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
