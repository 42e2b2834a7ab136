"""gunicorn's settings wherever the web process runs: gunicorn reads ./gunicorn.conf.py from its
working directory (the Dockerfile's /app, the systemd unit's /opt/courtreform, the repository for
bench/api_list.py). Addresses and worker counts stay on each command line.

Threaded workers: a request spends part of its time waiting for PostgreSQL (four round trips for an
API list page), which another thread of the same worker uses; they also keep connections alive,
which nginx's upstream keepalive asks for and a sync worker refuses. With 8 clients on 2 workers
(bench/api_list.py --concurrent) gthread served 30-60 % more requests/s than sync on the shared
2-core development machine. Each thread keeps its own database connection (CONN_MAX_AGE), so a
worker holds up to ``threads`` connections.
"""

worker_class = "gthread"
threads = 4
