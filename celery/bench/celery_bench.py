#!/usr/bin/python3
"""Benchmarks of the gevent4j Celery worker against Python Celery workers on one Redis.

usage: /usr/bin/python3 celery/bench/celery_bench.py [--runs N] [--only sleep|add|scale]
(run from the repository root after './gevent4j install' or any build of the celery module).

Each measurement: the workers consume queue 'bench' and are warmed up (100 adds); a Python Celery
producer preloads the N messages onto list 'bench-hold'; a RENAME puts them all on 'bench' at once;
the figure is the time from the RENAME to the latest stored date_done (so neither the producer's
speed nor start-up is measured, only the workers').
- sleep: 1,000 x gevent4j.sleep(1): Java worker -c 1000 vs Python 'celery worker -P gevent -c 1000'.
- add:   10,000 x gevent4j.add: tasks/s, Java -c 1000 vs Python -P gevent -c 1000 and -P solo.
- scale: the add benchmark with 1, 2 and 4 Java worker processes on one queue.
Every run starts its own redis-server on a free port. Medians of --runs runs are printed.
"""
import argparse
import datetime
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="celery-bench-redis-")
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        import redis
        self.client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                self.client.ping()
                break
            except Exception:
                time.sleep(0.05)
        self.url = "redis://127.0.0.1:%d/0" % self.port

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def java_worker(url, log, *options):
    return subprocess.Popen([os.path.join(ROOT, "gevent4j"), "celery", "worker", "--broker", url, *options],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def python_worker(url, log, pool, concurrency, name):
    env = dict(os.environ, CELERY_BROKER=url)
    return subprocess.Popen(["/usr/bin/python3", "-m", "celery", "-A", "pytasks", "worker", "-P", pool, "-c", str(concurrency),
                             "-n", name, "-Q", "bench", "--without-mingle", "--without-gossip", "-l", "WARNING"],
                            cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def producer(url):
    """A Python Celery producer without a result backend: send_task only LPUSHes (no subscription)."""
    from celery import Celery
    return Celery("bench-producer", broker=url)


def wait_results(redis, ids, timeout=600):
    """Polls (every 50 ms; the harness, not the system under test) until every result is stored."""
    import json
    deadline = time.time() + timeout
    metas = {}
    pending = list(ids)
    while pending:
        if time.time() > deadline:
            raise SystemExit("%d results missing after %d s" % (len(pending), timeout))
        still = []
        for start in range(0, len(pending), 1000):
            chunk = pending[start:start + 1000]
            for task_id, raw in zip(chunk, redis.client.mget(["celery-task-meta-" + i for i in chunk])):
                if raw is None:
                    still.append(task_id)
                else:
                    metas[task_id] = json.loads(raw)
        pending = still
        if pending:
            time.sleep(0.05)
    return metas


def run_batch(start_workers, task, args, n):
    """Workers consume queue 'bench' and are warmed up; n messages are preloaded on 'bench-hold' by a
    Python producer, then RENAMEd onto 'bench' at once. Returns the seconds from the RENAME to the
    last stored date_done (producer and start-up time excluded)."""
    redis = Redis()
    log = tempfile.TemporaryFile()
    workers = start_workers(redis.url, log)
    try:
        app = producer(redis.url)
        warmup = [app.send_task("gevent4j.add", (i, 1), queue="bench").id for i in range(100)]
        wait_results(redis, warmup, timeout=180)
        ids = [app.send_task(task, args, queue="bench-hold").id for _ in range(n)]
        t0 = datetime.datetime.utcnow()
        redis.client.rename("bench-hold", "bench")
        metas = wait_results(redis, ids)
        bad = [m for m in metas.values() if m["status"] != "SUCCESS"]
        if bad:
            raise SystemExit("%d tasks failed, e.g. %r" % (len(bad), bad[0]))
        last = max(datetime.datetime.fromisoformat(m["date_done"]) for m in metas.values())
        return (last - t0).total_seconds()
    finally:
        for w in workers:
            stop(w)
        redis.close()


def median(runs, f):
    values = [f() for _ in range(runs)]
    return statistics.median(values), values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-runs", type=int, help="runs of the Python workers (default: --runs; they are slow)")
    parser.add_argument("--only", choices=["sleep", "add", "scale"])
    args = parser.parse_args()
    py_runs = args.python_runs or args.runs
    print("machine: %d cores (shared), %s" % (os.cpu_count(), time.strftime("%Y-%m-%d %H:%M")), flush=True)
    java = lambda *extra: (lambda url, log: [java_worker(url, log, "--queues", "bench", "--concurrency", "1000", *extra)])
    py_gevent = lambda url, log: [python_worker(url, log, "gevent", 1000, "pyg@bench")]
    py_solo = lambda url, log: [python_worker(url, log, "solo", 1, "pys@bench")]
    if args.only in (None, "sleep"):
        for label, start, runs in [("java -c 1000", java(), args.runs), ("python -P gevent -c 1000", py_gevent, py_runs)]:
            m, values = median(runs, lambda: run_batch(start, "gevent4j.sleep", (1,), 1000))
            print("sleep 1000 x 1 s  %-30s wall median %.2f s   runs %s" % (label, m, ["%.2f" % v for v in values]), flush=True)
    if args.only in (None, "add"):
        for label, start, runs in [("java -c 1000", java(), args.runs), ("python -P gevent -c 1000", py_gevent, py_runs),
                                   ("python -P solo", py_solo, py_runs)]:
            m, values = median(runs, lambda: 10000 / run_batch(start, "gevent4j.add", (2, 3), 10000))
            print("add 10000         %-30s median %7.0f tasks/s   runs %s" % (label, m, ["%.0f" % v for v in values]), flush=True)
    if args.only in (None, "scale"):
        for k in (1, 2, 4):
            start = lambda url, log, k=k: [java_worker(url, log, "--queues", "bench", "--concurrency", "1000",
                                                       "--hostname", "w%d@bench" % i) for i in range(k)]
            m, values = median(args.runs, lambda: 10000 / run_batch(start, "gevent4j.add", (2, 3), 10000))
            print("scale-out add     %d java worker process(es)     median %7.0f tasks/s   runs %s" % (k, m, ["%.0f" % v for v in values]), flush=True)


if __name__ == "__main__":
    main()
