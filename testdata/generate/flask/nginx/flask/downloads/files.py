"""Serving private files: a safe relative path from a stored name, the
file on disk, and the response headers, which are the same whether
nginx sends the file or the app streams it itself.

Written by: xaccel generate --backend flask --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
import mimetypes
import os
import posixpath
import unicodedata
from urllib.parse import quote


def safe_relpath(name):
    """Return the stored name as a clean relative path ("invoices/2024/a.pdf"),
    or None.

    Refused, never repaired: empty names, absolute paths, backslashes, NUL
    and other control characters (no real upload name has them, and they
    cannot travel in a header), and empty, "." or ".." segments.
    """
    if not isinstance(name, str) or not name or name.startswith("/"):
        return None
    if "\\" in name or any(c < " " or c == "\x7f" for c in name):
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a broken URL
        return None
    if any(seg in ("", ".", "..") for seg in name.split("/")):
        return None
    return name


def file_in(root, rel):
    """The absolute path of rel below root if it is a regular file there,
    else None. Symlinks are followed and refused when they lead out of root.
    """
    root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        return None
    return path


def content_type(name):
    """The media type of the file's extension; application/octet-stream when
    it is unknown or a compression suffix (.gz), so that nothing is served as
    the framework's default text/html. Only the extension is looked at:
    guess_type reads its argument as a URL.
    """
    ctype, encoding = mimetypes.guess_type("file" + posixpath.splitext(name)[1])
    if ctype is None or encoding is not None:
        return "application/octet-stream"
    return ctype


def content_disposition(name, kind="attachment"):
    """The Content-Disposition value for the base name `name`, in both forms:

    filename="..." is the ASCII fallback for old clients: accents dropped,
    anything else outside printable ASCII and "%" replaced by "_", and
    backslash and quote escaped, so a name cannot add parameters of its own.
    filename*=UTF-8''... is the exact name, percent-encoded (RFC 6266/5987).
    """
    decomposed = unicodedata.normalize("NFKD", name)
    fallback = "".join(c for c in decomposed if not unicodedata.combining(c))
    fallback = "".join(c if " " <= c <= "~" and c != "%" else "_" for c in fallback)
    fallback = fallback.replace("\\", "\\\\").replace('"', '\\"')
    return "%s; filename=\"%s\"; filename*=UTF-8''%s" % (kind, fallback, quote(name, safe=""))


def download_headers(rel):
    """The headers of every download, set by the view in both modes.

    nginx passes Content-Type, Content-Disposition and Cache-Control of the
    app's answer on to the client and drops the other two; its internal
    location sets those itself. They are here for the streamed (X-Accel
    off) path, so that both modes answer alike.
    """
    return {
        # The real type: the framework's default would be text/html.
        "Content-Type": content_type(rel),
        "Content-Disposition": content_disposition(posixpath.basename(rel)),
        # The answer depends on who asked: no shared cache may keep it.
        "Cache-Control": "private, no-store",
        # An uploaded HTML or SVG file must not run as a page of this site.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }


def accel_redirect(prefix, rel):
    """The X-Accel-Redirect value: a URI, not a file path. Every segment is
    percent-encoded once as UTF-8 and the slashes are kept, so that names
    with %, ?, # or accents reach the right file.
    """
    return prefix + quote(rel)
