"""gunicorn's settings for bpmnrun: `gunicorn -c gunicorn.conf.py -w 4 -b 127.0.0.1:8000 'bpmnrun.web.wsgi:app'`
(README, "Where data lives"). The workers and the address stay on the command line.

bpmnrun answers requests that are too big itself, in words a caseworker or an API client can act on (a page, or
JSON under /api/v1): an address over 4096 characters gets its 414, a body over its limit its 413. gunicorn is set
to let such requests through to it rather than answer first with its own bare error, and to refuse only what no
client of bpmnrun ever sends. tests/web/test_input_limits.py loads this file and starts gunicorn with it.
"""

# The longest request line gunicorn reads ("GET <address> HTTP/1.1"): its own maximum, so that an address of up
# to about 8 kB reaches bpmnrun, which refuses any over request_limits.MAX_URL_BYTES (4096) with its own 414.
limit_request_line = 8190

# Headers: a browser sends about twenty, each well under 8 kB (a session cookie is under 1 kB).
limit_request_fields = 100
limit_request_field_size = 8190

# A worker silent for longer than this is stuck, and gunicorn starts another in its place. The slowest requests
# (deploying a diagram many procedures call, an event log export of every case) take a few seconds.
timeout = 60
# On a restart or deploy, requests under way get this long to finish.
graceful_timeout = 30
# Behind the council's proxy, which keeps its connections to bpmnrun open between requests.
keepalive = 5
