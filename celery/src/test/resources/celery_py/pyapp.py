"""The Python side of the celery module's interop tests: a Celery app on the test's Redis
(CELERY_BROKER) with a few tasks a Python worker runs for the Java client."""
import os
import time

from celery import Celery

BROKER = os.environ["CELERY_BROKER"]
app = Celery("pyapp", broker=BROKER, backend=BROKER)
app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True,
                task_serializer="json", result_serializer="json", accept_content=["json"])


@app.task(name="py.echo")
def echo(*args, **kwargs):
    return [list(args), kwargs]


@app.task(name="py.add")
def add(x, y):
    return x + y


@app.task(name="py.fail")
def fail(message):
    raise ValueError(message)


@app.task(name="py.flaky", bind=True, max_retries=5)
def flaky(self, succeed_at):
    if self.request.retries < succeed_at:
        raise self.retry(exc=RuntimeError("not yet %d" % self.request.retries), countdown=0.2)
    return "ok after %d" % self.request.retries


@app.task(name="py.always_retry", bind=True, max_retries=2)
def always_retry(self):
    raise self.retry(exc=KeyError("still broken"), countdown=0.1)


@app.task(name="py.sleep")
def sleep(seconds):
    time.sleep(seconds)
    return seconds
