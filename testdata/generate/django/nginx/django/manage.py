#!/usr/bin/env python3
"""Django's command-line utility for the example project.

Try the downloads app without nginx, X-Accel off:
    XACCEL_ENABLED=0 python3 manage.py runserver 127.0.0.1:8000

Written by: xaccel generate --backend django --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
