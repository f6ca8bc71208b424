"""Settings of a minimal project that runs the downloads app.

In your own project, copy the three settings at the end and add
"downloads" to INSTALLED_APPS.

Written by: xaccel generate --backend django --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
import os
import secrets

# Set DJANGO_SECRET_KEY in production; without it every start makes a new
# key (fine here: this project has no sessions or signed data).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "downloads.example.com localhost 127.0.0.1"
).split()

INSTALLED_APPS = ["downloads"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
USE_TZ = True

# Protected downloads. These must agree with Caddy's configuration:
#   handle_response: root * /srv/example/private-files, uri strip_prefix /_private
# XACCEL_FILES_DIR in the environment points the app at a local copy of
# the private directory (development, and the check in xaccel-check.sh).
PRIVATE_ROOT = os.environ.get("XACCEL_FILES_DIR") or "/srv/example/private-files"
XACCEL_PREFIX = "/_private/"
# XACCEL_ENABLED=0 in the environment switches X-Accel off: the download
# view then streams the file itself (development, or no Caddy in front).
XACCEL_ENABLED = os.environ.get("XACCEL_ENABLED") != "0"
