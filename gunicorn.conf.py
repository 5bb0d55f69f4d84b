"""gunicorn settings for production: `gunicorn run:app` reads this file from the working folder.

Every value can be changed from the environment (GUNICORN_*, WEB_CONCURRENCY); a command-line
flag overrides this file. See README, "Production".

- Threads (gthread): a streamed export (a 100,000-row spreadsheet or CSV) keeps one *thread*
  busy while it streams, not a whole worker process: the other threads go on serving pages.
- timeout: with gthread the arbiter's timeout only kills a worker whose main loop stopped
  answering, not a long request; a stuck request is ended at `timeout` by nothing else, so keep
  the reverse proxy's read timeout longer than the longest export (e.g. 600 s).
- max_requests (+ jitter): workers are recycled now and then (memory); nothing is lost, since
  Excel imports and reminders run in the worker process (`flask xf worker`), not in web workers.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes per core plus one, at most 8 by default (the database is the limit beyond that).
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 4)  # > 1 makes gunicorn use the gthread worker
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The app trusts X-Forwarded-* from PROXY_HOPS proxies itself (app/__init__.py, ProxyFix).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# gunicorn's control socket (gunicornc) defaults to one path per user: a second app server on the
# same machine would take it over. One per bind address, or none (GUNICORN_CONTROL_SOCKET=off).
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control == "off":
    control_socket_disable = True
else:
    control_socket = _control or os.path.join(
        os.environ.get("XDG_RUNTIME_DIR") or os.path.expanduser("~/.gunicorn"),
        "gunicorn-" + bind.replace(":", "-").replace("/", "_") + ".ctl")
