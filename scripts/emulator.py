"""The local AWS emulator: moto's server, with requests handled one at a time.

moto applies a DynamoDB TransactWriteItems by snapshotting the tables, applying the actions and, when
a condition fails, restoring the snapshot. Under concurrent requests a failing transaction can thus
restore a snapshot taken before another transaction committed, undoing that commit (seen as an
oversold product in the 100-buyer test). Real DynamoDB applies each transaction atomically; serving
one request at a time gives the emulator that property. Requests still share keep-alive connections.

S3's browser-based upload (a POST form) applies the form's `tagging` field to the object it stores;
moto's ignores it, so the emulator applies it (`with_post_tagging`), as the uploads' lifecycle and
uploader tags depend on it.

Usage: python scripts/emulator.py HOST PORT
"""

import sys
import threading

import xmltodict
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.s3.responses import S3Response
from werkzeug.serving import run_simple


def with_post_tagging() -> None:
    """Makes moto's POST upload apply the form's `tagging` XML to the stored object, as S3 does."""
    post = S3Response._bucket_response_post

    def post_and_tag(self, request, bucket_name):
        result = post(self, request, bucket_name)
        form = getattr(self, "form_data", None) or {}
        tagging = form.get("tagging")
        key_name = (self.querystring.get("key") or [None])[0]
        status = result[0] if isinstance(result, tuple) else 200
        if tagging and key_name and 200 <= int(status) < 300:
            parsed = xmltodict.parse(tagging, force_list={"Tag": True})
            tags = {tag["Key"]: tag.get("Value") or "" for tag in parsed["Tagging"]["TagSet"]["Tag"]}
            key = self.backend.get_object(bucket_name, key_name)
            if key is not None:
                self.backend.put_object_tagging(key, tags)
        return result

    S3Response._bucket_response_post = post_and_tag


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
    with_post_tagging()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
