"""Families (cases) and their children (subjects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..store.models import Case, Subject
from .errors import NotFound, ServiceError
from .persist import audit
from .runtime import Runtime


@dataclass(frozen=True)
class Child:
    name: str
    date_of_birth: date | None = None


@dataclass(frozen=True)
class SubjectView:
    id: int
    name: str
    date_of_birth: date | None

    def as_data(self) -> dict:
        return {"id": self.id, "name": self.name,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None}


@dataclass(frozen=True)
class CaseView:
    id: int
    family_name: str
    subjects: tuple[SubjectView, ...]


def create_case(rt: Runtime, family_name: str, children: list[Child], actor: str) -> CaseView:
    family_name = family_name.strip()
    if not family_name:
        raise ServiceError("a family needs a name")
    if any(not c.name.strip() for c in children):
        raise ServiceError("every child needs a name")
    with rt.transaction() as session:
        case = Case(family_name=family_name, created_at=rt.now(), created_by=actor)
        case.subjects = [Subject(name=c.name.strip(), date_of_birth=c.date_of_birth) for c in children]
        session.add(case)
        session.flush()
        audit(session, rt.now(), actor, "case_created", case_id=case.id, name=family_name,
              children=[c.name for c in children])
        return case_view(case)


def get_case(rt: Runtime, case_id: int) -> CaseView:
    with rt.reading() as session:
        return case_view(require_case(session, case_id))


def require_case(session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def case_view(case: Case) -> CaseView:
    return CaseView(case.id, case.family_name,
                    tuple(SubjectView(s.id, s.name, s.date_of_birth) for s in case.subjects))
