"""WSGI entry point. Behind Apache, run it with a WSGI server, for example:
    gunicorn --bind 127.0.0.1:8000 project.wsgi
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_wsgi_application()
