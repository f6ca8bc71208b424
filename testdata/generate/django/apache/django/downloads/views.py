"""The download view: it checks permission, then hands the file to
Apache with X-Sendfile, or streams it itself when X-Accel is
switched off (development).

Written by: xaccel generate --backend django --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com

Settings (see project/settings.py):
    PRIVATE_ROOT    the private directory on disk
    XACCEL_ENABLED  False: this view streams the file itself
"""
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_safe

from .files import download_headers, file_in, safe_relpath, xsendfile_path
from .permissions import can_download


@require_safe  # GET and HEAD only
def download(request, name):
    # The permission check comes before the disk is looked at: a denied
    # file and a missing one both get the same 404.
    rel = safe_relpath(name)
    if rel is None or not can_download(request, rel):
        raise Http404("No such file.")
    path = file_in(settings.PRIVATE_ROOT, rel)
    if path is None:
        raise Http404("No such file.")

    if settings.XACCEL_ENABLED:
        # An empty answer; Apache sends the file, and handles Range and
        # conditional requests itself.
        response = HttpResponse()
        response["X-Sendfile"] = xsendfile_path(settings.PRIVATE_ROOT, rel)
    else:
        # Development: the same file through the same view and permission
        # check, never a redirect to a public URL.
        try:
            response = FileResponse(open(path, "rb"))
        except OSError:
            raise Http404("No such file.") from None

    # Set after FileResponse, which writes its own Content-Disposition:
    # Django's (like content_disposition_header() in 4.2+) has either
    # filename= for an ASCII name or filename*= for any other, never both,
    # so download_headers() builds it with the ASCII fallback as well.
    for header, value in download_headers(rel).items():
        response[header] = value
    return response
