"""The downloads blueprint: it checks permission, then hands the file to
nginx with X-Accel-Redirect, or streams it itself when X-Accel is
switched off (development).

Written by: xaccel generate --backend flask --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com

Register it under the download path:
    app.register_blueprint(downloads.bp, url_prefix="/files")

Config keys (see app.py):
    PRIVATE_ROOT    the private directory on disk (nginx's alias)
    XACCEL_PREFIX   the internal location that serves it
    XACCEL_ENABLED  False: the view streams the file itself
"""
from flask import Blueprint, abort, current_app, send_from_directory

from .files import accel_redirect, download_headers, file_in, safe_relpath
from .permissions import can_download

bp = Blueprint("downloads", __name__)


# GET (and with it HEAD) only; no automatic OPTIONS answer either.
@bp.route("/<path:name>", methods=["GET"], provide_automatic_options=False)
def download(name):
    config = current_app.config
    # The permission check comes before the disk is looked at: a denied
    # file and a missing one both get the same 404.
    rel = safe_relpath(name)
    if rel is None or not can_download(rel):
        abort(404)
    # file_in also refuses symlinks that lead out of the directory, which
    # send_from_directory does not check.
    if file_in(config["PRIVATE_ROOT"], rel) is None:
        abort(404)

    if config["XACCEL_ENABLED"]:
        # An empty answer; nginx sends the file, and handles Range and
        # conditional requests itself.
        response = current_app.response_class()
        response.headers["X-Accel-Redirect"] = accel_redirect(config["XACCEL_PREFIX"], rel)
    else:
        # Development: the same file through the same view and permission
        # check, never a redirect to a public URL. send_from_directory
        # answers Range and conditional requests.
        response = send_from_directory(config["PRIVATE_ROOT"], rel)

    # Werkzeug's download_name writes filename*= only for non-ASCII names
    # and keeps "%" in the plain filename, so download_headers() builds
    # Content-Disposition with both forms for every name.
    response.headers.update(download_headers(rel))
    return response
