from django.urls import include, path

urlpatterns = [
    # The download URL: /files/<name> (see downloads/views.py).
    path("files/", include("downloads.urls")),
]
