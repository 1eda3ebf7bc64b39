"""An HTTP server on 127.0.0.1 for tests: a TF-Hub mirror and a forward proxy in one, recording every request.

As a mirror it answers ``GET /<path>?<query>``; as a proxy (``HTTP_PROXY=http://127.0.0.1:<port>``) it answers
``GET http://<host>/<path>``, which is how ``requests`` asks a proxy for a plain-HTTP address. Either way the
route is looked up by the path alone, and the full request line is kept in :attr:`LocalServer.requests`.
"""

from __future__ import annotations

import http.server
import io
import tarfile
import threading
import urllib.parse
from pathlib import Path


def tar_gz_of(folder: Path) -> bytes:
    """``folder``'s contents as a .tar.gz with paths relative to it, as TF-Hub serves a compressed model."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(Path(folder).rglob("*")):
            archive.add(path, arcname=f"./{path.relative_to(folder).as_posix()}", recursive=False)
    return buffer.getvalue()


class ThreadedServer:
    """An HTTP server on 127.0.0.1 (any free port) answering with ``handler`` in a thread until :meth:`stop`; the
    base of this folder's test servers."""

    def _serve(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class LocalServer(ThreadedServer):
    """Serves ``routes`` (path -> bytes) until :meth:`stop`; unknown paths get 404."""

    def __init__(self, routes: dict[str, bytes]):
        self.routes = dict(routes)
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                server.requests.append(self.path)
                body = server.routes.get(urllib.parse.urlsplit(self.path).path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._serve(Handler)
