"""The anchor row of benchmarks/http/run.sh: gevent's pywsgi.WSGIServer, monkey-patched, answering
every request with time.sleep(0.01) then 13 bytes. Usage: python3 pywsgi_server.py PORT"""
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402
import time  # noqa: E402

from gevent.pywsgi import WSGIServer  # noqa: E402

BODY = b"Hello, World!"


def app(environ, start_response):
    time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = WSGIServer(("127.0.0.1", port), app, log=None, backlog=1024)
    print("listening on %d (pywsgi)" % port, flush=True)
    server.serve_forever()
