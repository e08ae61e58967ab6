"""A problem found in a diagram, located by file, line and element id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.element_id or '-'}: {self.message}"


class DiagramError(Exception):
    """Diagrams that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
