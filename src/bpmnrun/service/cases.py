"""Families (cases) and their children (subjects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, insert, select

from ..store.models import Case, Subject, User
from .errors import Forbidden, InvalidInput, NotFound, ServiceError
from .input_limits import CHILD_NAME, FAMILY_NAME, USERNAME, text_problem
from .persist import audit
from .runtime import Runtime

PROCESS_OWNER = "process owner"  # the role that may add test families (access.py lets it start work on them)


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
    is_test: bool = False  # a test family: process owners try procedures out on it (access.require_may_start)


def create_case(rt: Runtime, family_name: str, children: list[Child], actor: str, is_test: bool = False) -> CaseView:
    family_name = family_name.strip()
    if not family_name:
        raise ServiceError("a family needs a name")
    if any(not c.name.strip() for c in children):
        raise ServiceError("every child needs a name")
    _check_names(family_name, children, actor)
    with rt.transaction() as session:
        conn, now = session.connection(), rt.now()
        if is_test:
            _require_process_owner(conn, actor)
        case_id = conn.execute(_INSERT_CASE, dict(family_name=family_name, created_at=now, created_by=actor,
                                                  case_status=None, is_test=is_test)).scalar_one()
        subjects = [dict(case_id=case_id, name=c.name.strip(), date_of_birth=c.date_of_birth) for c in children]
        ids = conn.scalars(_INSERT_SUBJECTS, subjects).all() if subjects else []
        audit(session, now, actor, "case_created", case_id=case_id, name=family_name,
              children=[c.name for c in children], **({"test_family": True} if is_test else {}))
        return CaseView(case_id, family_name, tuple(SubjectView(i, s["name"], s["date_of_birth"])
                                                    for i, s in zip(ids, subjects)), is_test)


def _require_process_owner(conn: Connection, actor: str) -> None:
    roles = conn.scalar(select(User.roles).where(User.username == actor))
    if PROCESS_OWNER not in (roles or ()):
        raise Forbidden("Only a process owner adds test families")


# Built once: a family is added with two plain statements (its children's ids come back in their order).
_INSERT_CASE = insert(Case.__table__).returning(Case.__table__.c.id)
_INSERT_SUBJECTS = insert(Subject.__table__).returning(Subject.__table__.c.id, sort_by_parameter_order=True)


def _check_names(family_name: str, children: list[Child], actor: str) -> None:
    """Every name fits its column and can be stored (InvalidInput naming each one that cannot)."""
    problems = {"family_name": text_problem(family_name, FAMILY_NAME), "created_by": text_problem(actor, USERNAME),
                **{f"children[{i}].name": text_problem(c.name.strip(), CHILD_NAME) for i, c in enumerate(children)}}
    errors = {field: problem for field, problem in problems.items() if problem}
    if errors:
        raise InvalidInput(errors, "the family cannot be added")


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
                    tuple(SubjectView(s.id, s.name, s.date_of_birth) for s in case.subjects), bool(case.is_test))
