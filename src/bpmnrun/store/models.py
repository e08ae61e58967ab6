"""The tables (design.md, "Data"). The worklist reads `task` and `task_team` only: it never loads
workflow state, so its cost does not grow with the number of open cases."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Times are stored as UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    authority: Mapped[str] = mapped_column(String(100))
    source_path: Mapped[str] = mapped_column(String(1000))
    xml: Mapped[str] = mapped_column(Text)
    calls: Mapped[dict[str, Any]] = mapped_column(default=dict)  # called process id -> process_version.id
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(200))


class Case(Base):
    """A family."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    # The case's current Case Status (Lincolnshire), as the last step that records one left it: a piece of
    # work started later begins with it ("will default in", "prepopulated do not amend").
    case_status: Mapped[Optional[str]] = mapped_column(String(100))
    # A test family (process owners try procedures on these): never mixed up with a real child's record.
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    subjects: Mapped[list["Subject"]] = relationship(back_populates="case", order_by="Subject.id")


class Subject(Base):
    """A child of a family."""

    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    date_of_birth: Mapped[Optional[date]] = mapped_column(Date)
    case: Mapped[Case] = relationship(back_populates="subjects")


class Instance(Base):
    __tablename__ = "instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # running | completed | cancelled | error
    state: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    subject_ids: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime]
    started_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[Optional[datetime]]
    end_event: Mapped[Optional[str]] = mapped_column(String(500))
    waiting_messages: Mapped[list[Any]] = mapped_column(default=list)
    timer_count: Mapped[int] = mapped_column(default=0)
    process_version: Mapped[ProcessVersion] = relationship()

    # Optimistic locking: every UPDATE says WHERE revision = <the one read>, and bumps it.
    __mapper_args__ = {"version_id_col": revision}


class Task(Base):
    """One human task the engine made READY (id = SpiffWorkflow's task id)."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_state_assignee", "state", "assignee"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    position: Mapped[int]  # order in which the instance's tasks became READY
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[Optional[str]] = mapped_column(String(200))
    activity: Mapped[Optional[str]] = mapped_column(String(100))
    subject_name: Mapped[Optional[str]] = mapped_column(String(300))
    children: Mapped[list[Any]] = mapped_column(default=list)  # the children the task is for: [{"id", "name"}]
    state: Mapped[str] = mapped_column(String(20))  # ready | completed | cancelled
    assignee: Mapped[Optional[str]] = mapped_column(String(200))
    due_at: Mapped[Optional[datetime]]
    priority: Mapped[Optional[str]] = mapped_column(String(20))
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    form: Mapped[list[Any]] = mapped_column(default=list)
    documentation: Mapped[Optional[str]] = mapped_column(Text)
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[Optional[dict[str, Any]]]
    created_at: Mapped[datetime]
    completed_at: Mapped[Optional[datetime]]
    completed_by: Mapped[Optional[str]] = mapped_column(String(200))
    # When a worker first opened the task's page or claimed it (service/task_opened.py): the analysts' waiting
    # (ready -> opened) and working (opened -> completed) times. None: not opened that way, or before 0009.
    opened_at: Mapped[Optional[datetime]]
    opened_by: Mapped[Optional[str]] = mapped_column(String(200))
    teams: Mapped[list["TaskTeam"]] = relationship(cascade="all, delete-orphan")


class TaskTeam(Base):
    """The teams whose inbox shows a READY task: its lane and any candidate groups.

    `sort_key` is the task's place in an inbox (due date, no date last, then when it became ready, then its
    case work and position), so that a page of one team's inbox is read in index order, however long the inbox.
    """

    __tablename__ = "task_team"
    __table_args__ = (Index("ix_task_team_team_ready", "team", "ready"),
                      Index("ix_task_team_inbox", "team", "ready", "sort_key"))

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(200), primary_key=True)
    ready: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_key: Mapped[str] = mapped_column(String(80), default="")


NO_DUE_DATE = datetime(9999, 12, 31, 23, 59, 59)


def inbox_sort_key(due_at: datetime | None, created_at: datetime, instance_id: int, position: int) -> str:
    """Text that sorts as an inbox does: by due date (none last), then created, then case work and position."""
    def utc(moment: datetime) -> str:
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")

    return f"{utc(due_at or NO_DUE_DATE)}|{utc(created_at)}|{instance_id:012d}|{position:012d}"


_MOMENT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"
INBOX_PLACE = re.compile(rf"{_MOMENT}\|{_MOMENT}\|\d{{12,}}\|\d{{12,}}")  # what inbox_sort_key writes


class Timer(Base):
    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(index=True)


class Event(Base):
    """Append-only audit: rows are inserted, never updated or deleted, but for retention (service/retention.py), which
    deletes or anonymises a closed family's events once its period is over and records that in an event of its own."""

    __tablename__ = "event"
    # A task's events by kind (the draft a task list shows as last saved, a task done page's completion): read
    # from the index, so a list's cost does not grow with the whole audit.
    __table_args__ = (Index("ix_event_task_action", "task_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id"), index=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instance.id"), index=True)
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    name: Mapped[Optional[str]] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(300))
    password_hash: Mapped[Optional[str]] = mapped_column(String(300))
    teams: Mapped[list[Any]] = mapped_column(default=list)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    line_manager: Mapped[Optional[str]] = mapped_column(String(200))
    api_token_sha256: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class AccessGrant(Base):
    """"Break glass": a user outside the teams working with a family opened its records, giving a reason. The
    access lasts until `expires_at`, and the user's line manager (`reported_to`) sees it in their access report."""

    __tablename__ = "access_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reported_to: Mapped[Optional[str]] = mapped_column(String(200))


class Incident(Base):
    """A piece of work the engine could not move on (a bad diagram: a gateway no condition of which holds, a timer
    that cannot be evaluated, …). The work stays at its last committed state and "needs attention" until a process
    owner retries it or moves it to a fixed version. Written in its own transaction, after the failed one rolled
    back. `open_key` is set while the incident is open, so one failing action of one case has one open incident
    however often it is tried (and however many workers try it at once)."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instance.id"), index=True)  # none: start failed
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    process_version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_version.id"))
    action: Mapped[str] = mapped_column(String(30))  # start_work | complete_task | deliver_message | fire_timers
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    element_id: Mapped[Optional[str]] = mapped_column(String(200))
    element_name: Mapped[Optional[str]] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what was attempted, to retry it
    raised_at: Mapped[datetime] = mapped_column(index=True)
    raised_by: Mapped[str] = mapped_column(String(200))
    last_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=1)
    next_try_at: Mapped[Optional[datetime]]  # a failing timer is tried again from then (back-off)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    resolved_at: Mapped[Optional[datetime]]
    resolved_by: Mapped[Optional[str]] = mapped_column(String(200))
    resolution: Mapped[Optional[str]] = mapped_column(String(500))
    open_key: Mapped[Optional[str]] = mapped_column(String(300), unique=True)


class StagedUpload(Base):
    """A diagram a process owner uploaded and is looking at the impact report of: kept here between the preview
    and the confirming click, so the deploy uses exactly the file previewed (the second request names it by its
    hash; its body is never trusted)."""

    __tablename__ = "staged_upload"
    __table_args__ = (UniqueConstraint("username", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ProcessDraft(Base):
    """A process owner's unfinished edit of a process, saved from the editor: never deployed, never seen by
    caseworkers, and kept across sign-outs until the owner deploys or discards it. One per owner and process."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("owner", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    process_id: Mapped[str] = mapped_column(String(200))
    xml: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime]


class SignInThrottle(Base):
    """Failed sign-ins of one account or one client address, shared by every web worker (service/throttle.py
    holds the rule). `key` is "account:" + a hash of the user name as typed (never the name itself: people type
    passwords into it), or "address:" + the client address."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[list[Any]] = mapped_column(default=list)  # when the failures in the window happened (ISO)
    lockouts: Mapped[int] = mapped_column(default=0)  # lock-outs since it was last forgiven: each doubles the next
    locked_until: Mapped[Optional[datetime]]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)  # rows quiet for a day are forgotten


class IdentityLink(Base):
    """Which bpmnrun account a person of the council's identity provider signs in as: the provider's (issuer,
    subject) never changes, while the user name it sends may, or be given to someone else later."""

    __tablename__ = "identity_link"

    issuer: Mapped[str] = mapped_column(String(500), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("user_account.username"), unique=True)
    linked_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime]
