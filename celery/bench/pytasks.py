"""The benchmark's tasks for Python workers, under the same names the Java worker ships."""
import os
import time

from celery import Celery

app = Celery("pytasks", broker=os.environ["CELERY_BROKER"], backend=os.environ["CELERY_BROKER"])
app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task(name="gevent4j.sleep")
def sleep(seconds):
    time.sleep(seconds)  # gevent-patched under -P gevent
    return seconds


@app.task(name="gevent4j.add")
def add(x, y):
    return x + y
