"""A minimal Flask app with the downloads blueprint.

Try it without Caddy, X-Accel off, so that it streams the files itself:
    XACCEL_ENABLED=0 flask --app app run
Behind Caddy, run it with a WSGI server, for example:
    gunicorn --bind 127.0.0.1:5000 app:app

Written by: xaccel generate --backend flask --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
import os

from flask import Flask

import downloads


def create_app():
    app = Flask(__name__)
    # These must agree with Caddy's configuration:
    #   handle_response: root * /srv/example/private-files, uri strip_prefix /_private
    # XACCEL_FILES_DIR in the environment points the app at a local copy
    # of the private directory (development, and the check in xaccel-check.sh).
    app.config["PRIVATE_ROOT"] = os.environ.get("XACCEL_FILES_DIR") or "/srv/example/private-files"
    app.config["XACCEL_PREFIX"] = "/_private/"
    # XACCEL_ENABLED=0 in the environment switches X-Accel off: the view
    # then streams the file itself (development, or no Caddy in front).
    app.config["XACCEL_ENABLED"] = os.environ.get("XACCEL_ENABLED") != "0"
    app.register_blueprint(downloads.bp, url_prefix="/files")
    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
