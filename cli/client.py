"""The command line's way to a running server: `kg search` and `kg ask` in a second.

A `kg` process that loads the model itself spends most of its time importing torch and
loading weights. When a server runs over the same data directory, it already has everything
in memory, so the CLI sends it the request instead. `kg serve` announces itself in
<data_dir>/server.json; KG_API__SERVER_URL or --server name a server explicitly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from kg.access import Forbidden, Unauthenticated
from kg.errors import (
    IndexNotFound,
    InvalidRequest,
    KgError,
    NotFound,
    QueryRejected,
    QueryTimeout,
    StoreUnavailable,
)
from kg.settings import Settings

ANNOUNCE_NAME = "server.json"
PROBE_TIMEOUT_S = 0.5
REQUEST_TIMEOUT_S = 120.0

_ERRORS: dict[str, type[KgError]] = {
    cls.code: cls
    for cls in (
        Unauthenticated,
        Forbidden,
        InvalidRequest,
        IndexNotFound,
        NotFound,
        QueryRejected,
        QueryTimeout,
        StoreUnavailable,
    )
}


def announce_path(settings: Settings) -> Path:
    """Where `kg serve` writes the URL it serves on."""
    return settings.data_dir / ANNOUNCE_NAME


@contextmanager
def announced(settings: Settings, host: str, port: int) -> Iterator[None]:
    """Announce this process's server in the data directory while the block runs."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    path = announce_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{ANNOUNCE_NAME}.{os.getpid()}")
    tmp.write_text(json.dumps({"url": f"http://{reachable}:{port}", "pid": os.getpid()}))
    os.replace(tmp, path)
    try:
        yield
    finally:
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass


def find_server(settings: Settings, explicit: str | None) -> tuple[str | None, bool]:
    """(URL of the server to use, whether it was asked for) or (None, False) to work alone.

    An explicit URL (--server, then KG_API__SERVER_URL) is used as given. An announced one is
    used only when its process lives and it answers /health/live at once.
    """
    url = explicit or settings.api.server_url
    if url:
        return url.rstrip("/"), True
    if settings.access.api_key is None:
        return None, False  # an announced server would refuse a request without a key
    try:
        data = json.loads(announce_path(settings).read_text())
        url, pid = str(data["url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None, False
    except PermissionError:
        pass
    import httpx

    try:
        if httpx.get(f"{url}/health/live", timeout=PROBE_TIMEOUT_S).status_code == 200:
            return url, False
    except httpx.HTTPError:
        pass
    return None, False


def get(
    url: str, path: str, params: Sequence[tuple[str, str]], key: SecretStr | None = None
) -> dict[str, Any]:
    """GET url+path (with the API key as the bearer credential); an error body becomes the
    KgError it stands for."""
    import httpx

    headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
    try:
        response = httpx.get(
            f"{url}{path}",
            params=httpx.QueryParams(list(params)),
            headers=headers,
            timeout=REQUEST_TIMEOUT_S,
        )
    except httpx.HTTPError as e:
        raise StoreUnavailable(f"the server at {url} did not answer: {e}") from e
    try:
        body: dict[str, Any] = response.json()
    except ValueError as e:
        raise KgError(f"the server at {url} answered {response.status_code} without JSON") from e
    if response.status_code >= 400:
        error = body.get("error") or {}
        cls = _ERRORS.get(str(error.get("code")), KgError)
        raise cls(str(error.get("message") or response.status_code), error.get("detail"))
    return body
