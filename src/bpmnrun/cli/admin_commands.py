"""Running bpmnrun: the timer worker, users and their tokens, the demo data, and the web app on one machine."""

from __future__ import annotations

import sys
import time

import click

from ..service import demo, queries, timers, users
from ..library.files import default_library
from .common import Context, friendly


def register(group: click.Group) -> None:
    for command in (worker, user, demo_command, serve):
        group.add_command(command)


@click.command()
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


@click.group()
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


@click.command(name="demo")
@click.option("--library", default=None, type=click.Path(exists=True),
              help="the process library to deploy (default: bpmn/ here, else the one installed with bpmnrun)")
@click.option("--list", "only_list", is_flag=True, help="list the demo users and change nothing")
@click.pass_obj
@friendly
def demo_command(obj: Context, library: str | None, only_list: bool) -> None:
    """Deploy the library and seed demo users (password 'demo') and families with every procedure under way."""
    if only_list:
        people = demo.demo_users(obj.runtime)
        if not people:
            click.echo(f"no demo users in {obj.runtime.db.url} yet: `bpmnrun demo` (or `make run`) adds them")
            return
        _users_table(obj.runtime, people)
        return
    result = demo.seed(obj.runtime, library or default_library())
    fresh = sum(1 for d in result.deployed if d.new)
    click.echo(f"library: {len(result.deployed)} processes ({fresh} new versions) in {obj.runtime.db.url}")
    if result.created_cases:
        click.echo(f"created {result.created_cases} demo families, every procedure under way")
    _users_table(obj.runtime, result.users)


def _users_table(runtime, people) -> None:
    """One demo user per team (and the process owner and the analyst), with what is waiting for them."""
    click.echo(f"demo users (password '{demo.PASSWORD}'):")
    click.echo(f"  {'user name':<36} {'team or role':<40} open tasks")
    for u in people:
        waiting = len(queries.list_tasks(runtime, u.username)) if u.teams else 0
        click.echo(f"  {u.username:<36} {(', '.join(u.teams) or ', '.join(u.roles)):<40} {waiting}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT")
@click.option("--demo", "with_demo", is_flag=True, help="deploy the library and seed demo users and families first")
@click.option("--timers/--no-timers", default=True, show_default=True, help="fire due timers in this process too")
@click.pass_obj
@friendly
def serve(obj: Context, host: str, port: int, with_demo: bool, timers: bool) -> None:
    """Run the web app on one machine (a council runs gunicorn with several workers instead: see README)."""
    from werkzeug.serving import run_simple

    from ..web import create_app

    if with_demo:
        seeded = demo.seed(obj.runtime, default_library())
        _users_table(obj.runtime, seeded.users)
    app = create_app(runtime=obj.runtime)
    if timers:
        _timer_thread(obj.runtime)
    click.echo(f"\nbpmnrun is running: open http://{host}:{port}/ and sign in as one of the users above"
               f"{' (password ' + repr(demo.PASSWORD) + ')' if with_demo else ''}.  Database: {obj.runtime.db.url}")
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
