"""The downloads router: it checks permission, then hands the file to
nginx with X-Accel-Redirect, or streams it itself when X-Accel is
switched off (development).

Written by: xaccel generate --backend fastapi --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com

Mount it under the download path:
    app.include_router(downloads.router, prefix="/files")
"""
import os
from dataclasses import dataclass
from functools import lru_cache

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from .files import accel_redirect, download_headers, file_in, safe_relpath
from .permissions import can_download


@dataclass(frozen=True)
class Settings:
    # These must agree with nginx's configuration:
    #   location ^~ /_private/ { internal; alias /srv/example/private-files/; }
    private_root: str = "/srv/example/private-files"
    xaccel_prefix: str = "/_private/"
    # False: the route streams the file itself.
    xaccel_enabled: bool = True


@lru_cache()
def get_settings() -> Settings:
    """XACCEL_ENABLED=0 in the environment switches X-Accel off: the route
    then streams the file itself (development, or no nginx in front).
    Tests can replace this with app.dependency_overrides."""
    return Settings(xaccel_enabled=os.environ.get("XACCEL_ENABLED") != "0")


router = APIRouter()


# A plain def: the file checks block, so FastAPI runs it in a thread.
@router.api_route("/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
def download(name: str, request: Request, settings: Settings = Depends(get_settings)) -> Response:
    # The permission check comes before the disk is looked at: a denied
    # file and a missing one both get the same 404.
    rel = safe_relpath(name)
    if rel is None or not can_download(request, rel):
        raise HTTPException(status_code=404)
    path = file_in(settings.private_root, rel)
    if path is None:
        raise HTTPException(status_code=404)

    if settings.xaccel_enabled:
        # An empty answer; nginx sends the file, and handles Range and
        # conditional requests itself. Starlette writes header values as
        # latin-1, which is one more reason the value must be encoded.
        response = Response()
        response.headers["X-Accel-Redirect"] = accel_redirect(settings.xaccel_prefix, rel)
    else:
        # Development: the same file through the same route and permission
        # check, never a redirect to a public URL.
        response = FileResponse(path)

    # Starlette's FileResponse(filename=...) writes filename*= alone for any
    # name that needs quoting, so download_headers() builds
    # Content-Disposition with the ASCII fallback as well; it also sets the
    # type without Starlette's added charset.
    response.headers.update(download_headers(rel))
    return response
