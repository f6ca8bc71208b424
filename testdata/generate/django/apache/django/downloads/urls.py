"""URLs of the downloads app. Include them under the download path:

    path("files/", include("downloads.urls")),

Written by: xaccel generate --backend django --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
from django.urls import path

from . import views

app_name = "downloads"

urlpatterns = [
    path("<path:name>", views.download, name="download"),
]
