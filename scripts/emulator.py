"""The local AWS emulator: moto's server, with requests handled one at a time.

moto applies a DynamoDB TransactWriteItems by snapshotting the tables, applying the actions and, when
a condition fails, restoring the snapshot. Under concurrent requests a failing transaction can thus
restore a snapshot taken before another transaction committed, undoing that commit (seen as an
oversold product in the 100-buyer test). Real DynamoDB applies each transaction atomically; serving
one request at a time gives the emulator that property. Requests still share keep-alive connections.

Usage: python scripts/emulator.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def serialized(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]

    return handle


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
