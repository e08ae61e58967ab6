"""What the HTTP benchmark stands on: the real app under a real server on loopback, a keep-alive client
that signs in like a browser or carries a bearer token, and a counter of the SQL one request issues."""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from bpmnrun.service.runtime import Runtime
from bpmnrun.web import create_app

CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive connection (reopened by http.client when the server closes it, as gunicorn's sync
    workers do). Keeps the session cookie; sends a bearer token when it has one."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.token = token
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed an idle keep-alive connection: once more on a new one
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - t0
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Reply(response.status, data, seconds)

    def get(self, path: str, **params: Any) -> Reply:
        reply = self.request("GET", f"{path}?{urlencode(params)}" if params else path)
        found = CSRF.search(reply.body)
        if found:
            self.csrf = found.group(1).decode()
        return reply

    def post_form(self, path: str, form: dict[str, str]) -> Reply:
        body = urlencode({"csrf_token": self.csrf, **form}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, payload: Any) -> Reply:
        return self.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def sign_in(self, username: str, password: str) -> "Client":
        self.get("/sign-in")
        reply = self.post_form("/sign-in", {"username": username, "password": password})
        if reply.status != 302:
            raise SystemExit(f"sign-in as {username} failed: HTTP {reply.status}")
        self.get("/")  # a CSRF token bound to the signed-in session
        return self

    def close(self) -> None:
        self.conn.close()


@contextmanager
def serve(rt: Runtime, port: int) -> Iterator[int]:
    """The real app (`create_app`) under werkzeug's HTTP server in a thread: one request at a time,
    like one web worker. Yields the port; stops by itself when the block ends."""
    app = create_app({"SECRET_KEY": "bench", "SIGN_IN_RATE_LIMIT": "100000 per minute"}, runtime=rt)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a log line per request would be timed too
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class SqlTally:
    """Statements of one request, split by the transaction they ran in: a transaction that commits is a
    unit of work (the completion's own); one that rolls back is a read (user loading, token look-up)."""

    committed: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    commits: int = 0
    pending: list[str] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return len(self.committed) + len(self.read) + len(self.pending)


class SqlCounter:
    """Engine events on the app's engine; `window()` tallies whatever runs inside it (any thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tally: SqlTally | None = None
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    @contextmanager
    def window(self) -> Iterator[SqlTally]:
        self.tally = SqlTally()
        try:
            yield self.tally
        finally:
            tally, self.tally = self.tally, None
            tally.read.extend(tally.pending)  # autocommitted reads (SQLite without BEGIN) count as reads
            tally.pending.clear()

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        if self.tally is not None:
            self.tally.pending.append(" ".join(statement.split()))

    def _commit(self, _conn) -> None:
        if self.tally is not None:
            self.tally.commits += 1
            self.tally.committed.extend(self.tally.pending)
            self.tally.pending.clear()

    def _rollback(self, _conn) -> None:
        if self.tally is not None:
            self.tally.read.extend(self.tally.pending)
            self.tally.pending.clear()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
