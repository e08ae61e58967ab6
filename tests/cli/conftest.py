"""The `bpmnrun` command run in this process against the test database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bpmnrun.cli.main import cli


@pytest.fixture
def bpmnrun(database_url):
    """bpmnrun(*args, input=None, ok=True, env=None) runs `bpmnrun --db URL ARGS...` and returns the click Result;
    with `ok` it must exit 0. An exception other than exiting fails the test."""
    runner = CliRunner()

    def run(*args, input: str | None = None, ok: bool = True, env: dict | None = None):
        result = runner.invoke(cli, ["--db", database_url, *map(str, args)], input=input, env=env,
                               catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
