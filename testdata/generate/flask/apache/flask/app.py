"""A minimal Flask app with the downloads blueprint.

Try it without Apache, X-Accel off, so that it streams the files itself:
    XACCEL_ENABLED=0 flask --app app run
Behind Apache, run it with a WSGI server, for example:
    gunicorn --bind 127.0.0.1:5000 app:app

Written by: xaccel generate --backend flask --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
import os

from flask import Flask

import downloads


def create_app():
    app = Flask(__name__)
    # These must agree with Apache's configuration:
    #   XSendFilePath /srv/example/private-files
    # XACCEL_FILES_DIR in the environment points the app at a local copy
    # of the private directory (development, and the check in xaccel-check.sh).
    app.config["PRIVATE_ROOT"] = os.environ.get("XACCEL_FILES_DIR") or "/srv/example/private-files"
    # XACCEL_ENABLED=0 in the environment switches X-Accel off: the view
    # then streams the file itself (development, or no Apache in front).
    app.config["XACCEL_ENABLED"] = os.environ.get("XACCEL_ENABLED") != "0"
    app.register_blueprint(downloads.bp, url_prefix="/files")
    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
