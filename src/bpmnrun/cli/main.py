"""`bpmnrun`: check and deploy diagrams, start and work cases, run the timer worker."""

from __future__ import annotations

import functools
import json
import sys
import time
from datetime import date
from pathlib import Path

import click

from ..library.validation import Checker
from ..service import cases, catalogue, demo, deploy, instances, queries, tasks, timers, users
from ..service.errors import InvalidInput, ServiceError
from ..service.runtime import Runtime
from ..store.database import Database

DEFAULT_LIBRARY = "bpmn"


class Context:
    def __init__(self, url: str | None) -> None:
        self.url = url
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(Database(self.url))
        return self._runtime


def friendly(command):
    """Service errors become one clear line on stderr and a non-zero exit: never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            for field, reason in exc.errors.items():
                click.echo(f"error: {field}: {reason}", err=True)
            sys.exit(1)
        except ServiceError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def as_actor(f):
    return click.option("--as", "actor", required=True, metavar="USER", help="who is doing this")(f)


@click.group()
@click.option("--db", "url", envvar="BPMNRUN_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: a SQLite file under ~/.local/share/bpmnrun)")
@click.pass_context
def cli(ctx: click.Context, url: str | None) -> None:
    """bpmnrun: run children's services procedures as BPMN processes."""
    ctx.obj = Context(url)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--allow-scripts", is_flag=True, help="permit script tasks")
def check(paths: tuple[str, ...], allow_scripts: bool) -> None:
    """Validate diagrams (default: bpmn/). Prints PATH:LINE: ELEMENT_ID: [warning: ]message per problem,
    then how many diagrams were checked; exits 1 when there is an error (warnings alone pass)."""
    targets = list(paths) or [DEFAULT_LIBRARY]
    library = [DEFAULT_LIBRARY] if Path(DEFAULT_LIBRARY).is_dir() else []
    report = Checker(allow_scripts=allow_scripts).report(targets, library=library)
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary(), err=True)
    if report.errors:
        sys.exit(1)


@cli.command(name="deploy")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--as", "actor", default="process owner", metavar="USER")
@click.option("--allow-scripts", is_flag=True)
@click.pass_obj
@friendly
def deploy_command(obj: Context, paths: tuple[str, ...], actor: str, allow_scripts: bool) -> None:
    """Register a new version of every changed process (default: bpmn/); refused if the check finds an
    error, its warnings printed either way."""
    targets = list(paths) or [DEFAULT_LIBRARY]
    # The same check deploy() makes (remembered, so it is not done twice): here for its warnings.
    report = Checker(allow_scripts=allow_scripts).report(targets)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.errors:
        click.echo(f"{report.summary()}: nothing deployed", err=True)
        sys.exit(1)
    try:
        results = deploy.deploy(obj.runtime, targets, actor, allow_scripts)
    except deploy.DiagramInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for r in results:
        click.echo(f"{r.process_id}\tversion {r.version}\t{r.outcome}")


@cli.group()
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


@cli.command()
@click.argument("process_id")
@click.option("--case", "case_id", required=True, type=int)
@click.option("--subject", "subject_ids", multiple=True, type=int, help="a child's id (repeat; default all)")
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE", help="start data (repeat)")
@as_actor
@click.pass_obj
@friendly
def start(obj: Context, process_id: str, case_id: int, subject_ids: tuple[int, ...], pairs, actor: str) -> None:
    """Start a procedure on a case for chosen children."""
    instance_id = instances.start_work(obj.runtime, process_id, case_id, actor, list(subject_ids), _pairs(pairs))
    click.echo(f"started {process_id} as case work {instance_id}")


@cli.command(name="tasks")
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


@cli.command()
@click.argument("task_id")
@as_actor
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE", help="a form value (repeat)")
@click.option("--json-data", "json_file", type=click.File("r"), default=None, help="form values as a JSON object")
@click.option("--draft", is_flag=True, help="save without completing (Save and Close)")
@click.pass_obj
@friendly
def complete(obj: Context, task_id: str, actor: str, pairs, json_file, draft: bool) -> None:
    """Complete a task with its form values (or save a draft)."""
    values = {**(_json_object(json_file) if json_file else {}), **_pairs(pairs)}
    if draft:
        tasks.save_draft(obj.runtime, task_id, actor, values)
        click.echo(f"draft saved for task {task_id}")
        return
    tasks.complete_task(obj.runtime, task_id, actor, values)
    click.echo(f"completed task {task_id}")


@cli.command()
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


@cli.command()
@click.argument("instance_id", type=int)
@click.argument("message")
@as_actor
@click.option("--data", "pairs", multiple=True, metavar="FIELD=VALUE")
@click.pass_obj
@friendly
def message(obj: Context, instance_id: int, message: str, actor: str, pairs) -> None:
    """Record that a message a case waits for has arrived."""
    instances.deliver_message(obj.runtime, instance_id, message, actor, _pairs(pairs))
    click.echo(f"message {message!r} delivered to case work {instance_id}")


@cli.command()
@click.argument("instance_id", type=int)
@as_actor
@click.option("--reason", default="")
@click.pass_obj
@friendly
def cancel(obj: Context, instance_id: int, actor: str, reason: str) -> None:
    """Cancel a running piece of case work."""
    instances.cancel(obj.runtime, instance_id, actor, reason)
    click.echo(f"case work {instance_id} cancelled")


@cli.command(name="history")
@click.argument("instance_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def history_command(obj: Context, instance_id: int, as_json: bool) -> None:
    """The audit trail of one piece of case work."""
    info = queries.get_instance(obj.runtime, instance_id)
    events = queries.history(obj.runtime, instance_id=instance_id)
    if as_json:
        click.echo(json.dumps({"instance": instance_id, "process": info.process_id, "status": info.status,
                               "end_event": info.end_event, "events": [e.to_json() for e in events]}, indent=2))
        return
    click.echo(f"{info.title} (version {info.version}): {info.status}"
               + (f" – {info.end_event}" if info.end_event else ""))
    for e in events:
        click.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.actor:<16} {e.action:<18} {e.name or ''}")


@cli.command()
@click.option("--once", is_flag=True, help="fire what is due now and stop")
@click.option("--interval", default=30.0, show_default=True, help="seconds between rounds")
@click.pass_obj
@friendly
def worker(obj: Context, once: bool, interval: float) -> None:
    """Fire due timers (run one or more of these beside the web workers)."""
    while True:
        moved = timers.fire_due_timers(obj.runtime)
        if once:
            click.echo(f"{moved} case(s) moved by timers")
            return
        if not moved:
            time.sleep(interval)


@cli.group()
def user() -> None:
    """Users and their teams."""


@user.command(name="add")
@click.argument("name")
@click.option("--team", "teams", multiple=True, required=True, help="a team (lane name; repeat)")
@click.option("--role", "roles", multiple=True, help="a role, e.g. 'process owner' (repeat)")
@click.option("--display-name", default=None)
@click.option("--line-manager", default=None, metavar="USER")
@click.option("--password-stdin", is_flag=True, help="read a password from standard input")
@click.pass_obj
@friendly
def user_add(obj: Context, name: str, teams, roles, display_name, line_manager, password_stdin: bool) -> None:
    """Add a user with their teams."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    made = users.add_user(obj.runtime, name, list(teams), display_name=display_name, roles=list(roles),
                          password=password, line_manager=line_manager)
    click.echo(f"user {made.username}: {', '.join(made.teams)}")


@user.command(name="token")
@click.argument("name")
@click.pass_obj
@friendly
def user_token(obj: Context, name: str) -> None:
    """Issue a new API bearer token for a user (the old one stops working); it is shown once."""
    click.echo(users.issue_token(obj.runtime, name))


@cli.command(name="catalogue")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def catalogue_command(obj: Context, as_json: bool) -> None:
    """Every deployed process: authority, sources, user tasks, lanes, decisions, timers, end events."""
    entries = catalogue.catalogue(obj.runtime)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], indent=2))
        return
    for e in entries:
        s = e.summary
        click.echo(f"{e.process_id} (version {e.version}) — {s.title}")
        click.echo(f"  authority: {e.authority}")
        for source in e.sources:
            click.echo(f"  source: {source}")
        click.echo(f"  lanes: {'; '.join(s.lanes)}")
        click.echo(f"  user tasks ({len(s.user_tasks)}):")
        for t in s.user_tasks:
            per_child = " [per child]" if t.multi_instance else ""
            click.echo(f"    - {t.name} ({t.lane}; {t.activity}){per_child}")
        click.echo(f"  decisions ({len(s.decisions)}): {'; '.join(s.decisions)}")
        click.echo(f"  timers ({len(s.timers)}): " + "; ".join(f"{t.name} [{t.kind}: {t.expression}]" for t in s.timers))
        click.echo(f"  calls: {', '.join(s.calls) or '—'}")
        click.echo(f"  end events ({len(s.end_events)}): {'; '.join(s.end_events)}")
        click.echo("")


@cli.command(name="demo")
@click.option("--library", default=DEFAULT_LIBRARY, show_default=True, type=click.Path(exists=True))
@click.pass_obj
@friendly
def demo_command(obj: Context, library: str) -> None:
    """Deploy the library and seed demo users (password 'demo') and families with work under way."""
    result = demo.seed(obj.runtime, library)
    fresh = sum(1 for d in result.deployed if d.new)
    click.echo(f"library: {len(result.deployed)} processes ({fresh} new versions) in {obj.runtime.db.url}")
    click.echo(f"demo users (password '{demo.PASSWORD}'):")
    for u in result.users:
        open_tasks = len(queries.list_tasks(obj.runtime, u.username)) if u.teams else 0
        teams = ", ".join(u.teams) or ", ".join(u.roles)
        click.echo(f"  {u.username:<40} {teams:<45} {open_tasks} open task(s)")
    if result.created_cases:
        click.echo(f"created {result.created_cases} demo families with work in progress")
    click.echo("try: bpmnrun tasks --as social-worker   |   bpmnrun catalogue")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="deploy the library and seed demo users and families first")
@click.option("--timers/--no-timers", default=True, show_default=True, help="fire due timers in this process too")
@click.pass_obj
@friendly
def serve(obj: Context, host: str, port: int, with_demo: bool, timers: bool) -> None:
    """Run the web app on one machine (a council runs gunicorn with several workers instead: see README)."""
    from werkzeug.serving import run_simple

    from ..web import create_app

    if with_demo:
        seeded = demo.seed(obj.runtime, DEFAULT_LIBRARY)
        names = ", ".join(u.username for u in seeded.users[:6])
        click.echo(f"demo users ({len(seeded.users)}, password '{demo.PASSWORD}'): {names}, … "
                   "(`bpmnrun demo` lists them all)")
    app = create_app(runtime=obj.runtime)
    if timers:
        _timer_thread(obj.runtime)
    click.echo(f"bpmnrun on http://{host}:{port}/  (database: {obj.runtime.db.url})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _timer_thread(runtime) -> None:
    import threading

    def loop() -> None:
        while True:
            try:
                timers.fire_due_timers(runtime)
            except Exception as exc:  # a failed round must not stop the timers; the next round retries
                click.echo(f"timer worker: {exc}", err=True)
            time.sleep(30)

    threading.Thread(target=loop, name="bpmnrun-timers", daemon=True).start()


def _pairs(pairs) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected FIELD=VALUE", param_hint="--data")
        values[key.strip()] = value
    return values


def _json_object(handle) -> dict:
    try:
        data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--json-data") from None
    if not isinstance(data, dict):
        raise click.BadParameter("expected a JSON object of field values", param_hint="--json-data")
    return data


def _register_analysis_commands() -> None:
    from . import change_commands, compare, eventlog, simulate

    for module in (compare, eventlog, simulate, change_commands):
        module.register(cli)


_register_analysis_commands()
