"""A stand-in for Kaggle's model API on 127.0.0.1, for kagglehub (KerasHub's downloader) to fetch presets from.

kagglehub's client posts to ``http://localhost/api/v1/models.ModelApiService/<method>`` when
``KAGGLE_API_ENVIRONMENT=LOCALHOST``; with ``HTTP_PROXY`` pointing here, those requests arrive at this server as
forward-proxy requests. It answers the two methods a versioned ``model_download`` makes: the list of a version's
files, and each file's bytes. Served models are folders, by handle ``owner/model/framework/variation/version``.
"""

from __future__ import annotations

import http.server
import json
import urllib.parse
from pathlib import Path

from local_server import ThreadedServer

API = "/api/v1/models.ModelApiService/"


class KaggleModelServer(ThreadedServer):
    """Serves ``models`` (handle -> folder) until :meth:`stop`; records each (method, path) asked for."""

    def __init__(self, models: dict[str, Path]):
        self.models = {handle: Path(folder) for handle, folder in models.items()}
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                method = urllib.parse.urlsplit(self.path).path.removeprefix(API)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append((method, body.get("path", "")))
                handle = "/".join(str(body.get(k, "")) for k in ("ownerSlug", "modelSlug")) + "/keras/" + \
                    "/".join(str(body.get(k, "")) for k in ("instanceSlug", "versionNumber"))
                folder = server.models.get(handle)
                if folder is None:
                    return self._reply(404, b'{"code": 404, "message": "not found"}', "application/json")
                if method == "ListModelInstanceVersionFiles":
                    files = [{"name": p.relative_to(folder).as_posix(), "size": p.stat().st_size}
                             for p in sorted(folder.rglob("*")) if p.is_file()]
                    return self._reply(200, json.dumps({"files": files, "nextPageToken": ""}).encode(),
                                       "application/json")
                target = folder / body.get("path", "")
                if method != "DownloadModelInstanceVersion" or not target.is_file():
                    return self._reply(404, b'{"code": 404, "message": "not found"}', "application/json")
                return self._reply(200, target.read_bytes(), "application/octet-stream")

            def _reply(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._serve(Handler)

    def environment(self, cache: Path) -> dict[str, str]:
        """What points kagglehub at this server (through it as a proxy) and at ``cache``, with no credentials."""
        return {"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "HTTP_PROXY": self.url, "http_proxy": self.url,
                "NO_PROXY": "", "no_proxy": "", "KAGGLEHUB_CACHE": str(cache), "KAGGLE_CONFIG_DIR": str(cache)}
