"""Protected downloads for Django: see views.py, permissions.py and urls.py."""
