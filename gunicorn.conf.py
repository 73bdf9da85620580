"""gunicorn settings for `make serve` and `make bench`: `gunicorn -c gunicorn.conf.py 'contest:create_app()'`.

Sized for the quiz API: short requests that spend most of their time in Python and a little
waiting on the database. Processes carry the CPU work (two per core and one more: threads of one
process share its GIL, and under the load bench 6 × 1 did as well as 3 × 4 while a killed worker
took fewer requests with it); two threads each cover the database waits. Every value can be
overridden from the environment (docs/deploy.md).
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
worker_class = "gthread"
# Idle keep-alive connections (phones between two saves, nginx's upstream pool) wait in the
# worker's poller, not in a thread.
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS") or 2000)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 75)
backlog = 4096
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
# A worker is replaced after this many requests (a slow leak cannot grow for a whole contest);
# the jitter keeps the workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 20000)
max_requests_jitter = max_requests // 10

# Each thread holds at most one connection: the pool is sized to the threads (contest/config.py).
os.environ.setdefault("DB_POOL_SIZE", str(threads))

# The access log would repeat what contest/observability.py logs, with the route template, on
# gunicorn's error log at INFO (`--log-level warning` silences those lines).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
