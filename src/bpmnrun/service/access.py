"""Who may see one piece of work on a family, by the case pages' rule (service/case_views.py).

Any signed-in caseworker may see a family and its children, since work can start in any team. The
work itself — its state, tasks and history — is for users involved in the case: its creator, whoever
started work on it, and users whose teams have or had one of its tasks or who were given or completed
one. The JSON API and the web pages share this rule so neither front end decides it on its own.
"""

from __future__ import annotations

from ..store.models import Case
from .case_views import is_involved
from .errors import Forbidden
from .instances import require_instance
from .runtime import Runtime
from .users import require_user


def require_instance_access(rt: Runtime, user: str, instance_id: int) -> None:
    """NotFound for unknown work; Forbidden when the user is not involved in its case."""
    with rt.reading() as session:
        account = require_user(session, user)
        instance = require_instance(session, instance_id)
        case = session.get(Case, instance.case_id)
        if not is_involved(session, case, account):
            raise Forbidden(f"case work {instance_id} on the {case.family_name} family is not in {user}'s work")
