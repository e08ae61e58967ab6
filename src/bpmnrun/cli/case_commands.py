"""Caseworkers' commands: families, starting work, tasks (list, complete, claim), messages, history."""

from __future__ import annotations

import json
from datetime import date

import click

from ..service import cases, instances, queries, records, tasks
from .common import Context, as_actor, as_reader, field_pairs, friendly, json_object


def register(group: click.Group) -> None:
    for command in (case, start, tasks_command, complete, claim, message, cancel, history_command):
        group.add_command(command)


@click.group()
def case() -> None:
    """Families and their children."""


@case.command(name="add")
@click.option("--family", required=True, help="the family's name")
@click.option("--child", "children", multiple=True, metavar="NAME:YYYY-MM-DD", help="a child (repeat)")
@click.option("--as", "actor", default="admin", metavar="USER")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def case_add(obj: Context, family: str, children: tuple[str, ...], actor: str, as_json: bool) -> None:
    """Create a case (a family) with its children."""
    made = cases.create_case(obj.runtime, family, [_child(c) for c in children], actor)
    if as_json:
        click.echo(json.dumps({"case": made.id, "subjects": [s.as_data() for s in made.subjects]}))
        return
    click.echo(f"case {made.id}: {made.family_name}")
    for s in made.subjects:
        click.echo(f"  subject {s.id}: {s.name} ({s.date_of_birth or 'date of birth unknown'})")


def _child(text: str) -> cases.Child:
    name, _, born = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        return cases.Child(name.strip(), date.fromisoformat(born.strip()) if born.strip() else None)
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected NAME:YYYY-MM-DD", param_hint="--child") from None


@click.command()
@click.argument("process_id")
@click.option("--case", "case_id", required=True, type=int)
@click.option("--subject", "subject_ids", multiple=True, type=int, help="a child's id (repeat; default all)")
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE", help="start data (repeat)")
@as_actor
@click.pass_obj
@friendly
def start(obj: Context, process_id: str, case_id: int, subject_ids: tuple[int, ...], pairs, actor: str) -> None:
    """Start a procedure on a case for chosen children."""
    instance_id = instances.start_work(obj.runtime, process_id, case_id, actor, list(subject_ids),
                                       field_pairs(pairs))
    click.echo(f"started {process_id} as case work {instance_id}")


@click.command(name="tasks")
@click.option("--as", "actor", required=True, metavar="USER")
@click.option("--team", default=None, help="one team's inbox (a lane name)")
@click.option("--case", "case_id", type=int, default=None)
@click.option("--mine", is_flag=True, help="only tasks assigned to me")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def tasks_command(obj: Context, actor: str, team, case_id, mine: bool, as_json: bool) -> None:
    """List open tasks: mine and my teams' (or one team's)."""
    found = queries.list_tasks(obj.runtime, actor, team=team, case_id=case_id, mine=mine)
    if as_json:
        click.echo(json.dumps([t.to_json() for t in found], indent=2))
        return
    for t in found:
        due = f" due {t.due_at:%d %b %Y}" if t.due_at else ""
        flags = " OVERDUE" if t.overdue else ""
        who = f" [{t.assignee}]" if t.assignee else ""
        child = f" – {t.subject_name}" if t.subject_name else ""
        click.echo(f"{t.id}  {t.name}{child}  ({t.lane}; {t.family_name}, case {t.case_id}){who}{due}{flags}")


@click.command()
@click.argument("task_id")
@as_actor
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE", help="a form value (repeat)")
@click.option("--json-data", "json_file", type=click.File("r"), default=None, help="form values as a JSON object")
@click.option("--draft", is_flag=True, help="save without completing (Save and Close)")
@click.pass_obj
@friendly
def complete(obj: Context, task_id: str, actor: str, pairs, json_file, draft: bool) -> None:
    """Complete a task with its form values (or save a draft)."""
    values = {**(json_object(json_file) if json_file else {}), **field_pairs(pairs)}
    if draft:
        tasks.save_draft(obj.runtime, task_id, actor, values)
        click.echo(f"draft saved for task {task_id}")
        return
    tasks.complete_task(obj.runtime, task_id, actor, values)
    click.echo(f"completed task {task_id}")


@click.command()
@click.argument("task_id")
@as_actor
@click.option("--to", "worker", default=None, metavar="USER", help="pass to this worker instead")
@click.option("--release", is_flag=True, help="give the task back to the team")
@click.pass_obj
@friendly
def claim(obj: Context, task_id: str, actor: str, worker: str | None, release: bool) -> None:
    """Take a task (or --release it, or pass it --to a worker of its team)."""
    if release:
        tasks.unclaim(obj.runtime, task_id, actor)
        click.echo(f"task {task_id} is back with the team")
    elif worker:
        tasks.pass_to_worker(obj.runtime, task_id, actor, worker)
        click.echo(f"task {task_id} passed to {worker}")
    else:
        tasks.claim(obj.runtime, task_id, actor)
        click.echo(f"task {task_id} is now with {actor}")


@click.command()
@click.argument("instance_id", type=int)
@click.argument("message")
@as_actor
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE")
@click.pass_obj
@friendly
def message(obj: Context, instance_id: int, message: str, actor: str, pairs) -> None:
    """Record that a message a case waits for has arrived."""
    instances.deliver_message(obj.runtime, instance_id, message, actor, field_pairs(pairs))
    click.echo(f"message {message!r} delivered to case work {instance_id}")


@click.command()
@click.argument("instance_id", type=int)
@as_actor
@click.option("--reason", default="")
@click.pass_obj
@friendly
def cancel(obj: Context, instance_id: int, actor: str, reason: str) -> None:
    """Cancel a running piece of case work."""
    instances.cancel(obj.runtime, instance_id, actor, reason)
    click.echo(f"case work {instance_id} cancelled")


@click.command(name="history")
@click.argument("instance_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_reader
@click.pass_obj
@friendly
def history_command(obj: Context, instance_id: int, as_json: bool, reader: str) -> None:
    """The audit trail of one piece of case work (the read is in the family's access log)."""
    info = queries.get_instance(obj.runtime, instance_id)
    events = queries.history(obj.runtime, instance_id=instance_id)
    records.log_read(obj.runtime, reader, info.case_id, f"the history of case work {instance_id} (command line)",
                     records.COMMAND_LINE, instance_id=instance_id)
    if as_json:
        click.echo(json.dumps({"instance": instance_id, "process": info.process_id, "status": info.status,
                               "end_event": info.end_event, "events": [e.to_json() for e in events]}, indent=2))
        return
    click.echo(f"{info.title} (version {info.version}): {info.status}"
               + (f" – {info.end_event}" if info.end_event else ""))
    for e in events:
        click.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.actor:<16} {e.action:<18} {e.name or ''}")
