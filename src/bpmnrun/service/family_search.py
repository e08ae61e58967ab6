"""Finding a family one does not work with: only by an exact search, surname and a child's date of birth.

The answer shows no more than is needed to ask for access (the case number and the surname typed), and
whether the searcher already works with the family; opening it is break glass (records.break_glass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select

from ..store.models import Case, Subject
from . import access
from .runtime import Runtime
from .users import require_user

MOST_FOUND = 10  # an exact search finds a family or two; more means the search is too loose to show


@dataclass(frozen=True)
class FoundFamily:
    case_id: int
    family_name: str
    works_with: bool  # already in the searcher's work (or granted): the family's page opens directly


def find_exactly(rt: Runtime, user: str, surname: str, date_of_birth: date) -> list[FoundFamily]:
    """Families of that surname (any capitals and spacing) with a child born on that date."""
    wanted = " ".join(surname.split()).lower()
    if not wanted:
        return []
    with rt.reading() as session:
        account = require_user(session, user)
        child = exists().where(Subject.case_id == Case.id, Subject.date_of_birth == date_of_birth)
        found = session.execute(
            select(Case.id, Case.family_name, access.visible_cases(session, account, rt.now()).label("visible"))
            .where(func.lower(func.trim(Case.family_name)) == wanted, child)
            .order_by(Case.id).limit(MOST_FOUND)).all()
        return [FoundFamily(r.id, r.family_name, bool(r.visible)) for r in found]
