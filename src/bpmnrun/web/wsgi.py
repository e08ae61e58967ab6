"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py -w 4 'bpmnrun.web.wsgi:app'`
(gunicorn.conf.py at the top of the repository sets its request limits and timeouts).

Every worker must share one BPMNRUN_SECRET_KEY (or sessions signed by one worker fail in another)
and one BPMNRUN_DATABASE_URL.
"""

from __future__ import annotations

import os

from . import create_app

if not os.environ.get("BPMNRUN_SECRET_KEY"):
    raise SystemExit("set BPMNRUN_SECRET_KEY (the same value for every worker) before starting gunicorn")

app = create_app()
