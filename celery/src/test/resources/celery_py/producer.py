"""Python producer scenarios against a (Java) worker: prints one JSON line per scenario result.
usage: CELERY_BROKER=redis://... python3 producer.py SCENARIO [QUEUE]"""
import datetime
import json
import sys
import time

from celery import signature, chain
from pyapp import app

scenario = sys.argv[1]
queue = sys.argv[2] if len(sys.argv) > 2 else "celery"


def out(**kw):
    print(json.dumps(kw), flush=True)


def failure(result, timeout=20):
    try:
        value = result.get(timeout=timeout)
        return {"ok": True, "value": value}
    except Exception as e:  # the re-raised task exception
        return {"ok": False, "type": type(e).__name__, "module": type(e).__module__, "args": [str(a) for a in e.args],
                "state": result.state}


if scenario == "types":
    values = [0, -7, 2 ** 62, 3.25, -1e-300, "", "héllo ✓ 日本", None, True, False, [], {}, [1, [2, [3]]],
              {"nested": {"list": [1, "two", None], "t": True}}]
    r = app.send_task("gevent4j.echo", args=values, kwargs={"k": "v", "u": "ü"}, queue=queue)
    out(result=r.get(timeout=20), sent=[values, {"k": "v", "u": "ü"}])
elif scenario == "add":
    out(result=app.send_task("gevent4j.add", args=(2, 3), queue=queue).get(timeout=20))
elif scenario == "fail":
    out(**failure(app.send_task("gevent4j.fail", args=("boom from python",), queue=queue)))
elif scenario == "notregistered":
    out(**failure(app.send_task("no.such.task", queue=queue)))
elif scenario == "retry_success":
    out(**failure(app.send_task("test.flaky", args=(2,), queue=queue)))
elif scenario == "retry_failure":
    out(**failure(app.send_task("test.always_retry", queue=queue)))
elif scenario == "countdown":
    start = time.time()
    r = app.send_task("gevent4j.add", args=(1, 1), countdown=2, queue=queue)
    value = r.get(timeout=20)
    out(result=value, elapsed=time.time() - start)
elif scenario == "expired":
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=10)
    out(**failure(app.send_task("gevent4j.add", args=(1, 1), expires=past, queue=queue)))
elif scenario == "revoke":
    r = app.send_task("gevent4j.add", args=(1, 1), countdown=3, queue=queue)
    time.sleep(0.5)
    app.control.revoke(r.id)
    out(**failure(r))
elif scenario == "chain":
    c = chain(signature("gevent4j.add", args=(2, 2), app=app, queue=queue),
              signature("gevent4j.add", args=(4,), app=app, queue=queue),
              signature("gevent4j.add", args=(10,), app=app, queue=queue))
    r = c.apply_async()
    out(result=r.get(timeout=20), parent=r.parent.get(timeout=20))
elif scenario == "link":
    r = app.send_task("gevent4j.add", args=(1, 2), queue=queue,
                      link=signature("gevent4j.echo", args=("linked",), app=app, queue=queue,
                                     options={"task_id": "link-" + sys.argv[3]}))
    first = r.get(timeout=20)
    linked = app.AsyncResult("link-" + sys.argv[3]).get(timeout=20)
    out(result=first, linked=linked)
elif scenario == "link_error":
    r = app.send_task("gevent4j.fail", args=("x",), queue=queue,
                      link_error=signature("gevent4j.echo", args=("errback",), app=app, queue=queue,
                                           options={"task_id": "errback-" + sys.argv[3]}))
    failed = failure(r)
    out(failed=failed, errback=app.AsyncResult("errback-" + sys.argv[3]).get(timeout=20))
elif scenario == "timelimit":
    out(**failure(app.send_task("gevent4j.sleep", args=(30,), time_limit=1, queue=queue)))
elif scenario == "softlimit":
    out(**failure(app.send_task("test.soft", args=(30,), soft_time_limit=0.5, queue=queue)))
elif scenario == "priorities":
    ids = []
    for p in (9, 6, 3, 0):
        ids.append(app.send_task("test.record", args=("p%d" % p,), priority=p, queue=queue).id)
    out(ids=ids)
else:
    raise SystemExit("unknown scenario " + scenario)
