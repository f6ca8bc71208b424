"""Who may download what. Replace can_download with your own rule."""
from fastapi import Request


def can_download(request: Request, rel: str) -> bool:
    """Decide whether request may have the file at rel, a clean path below
    the private directory such as "invoices/2024/a.pdf".

    Replace this with your own rule: look the file up in your database and
    check that the signed-in user may see that row (or add your current-user
    dependency to the download route and pass the user in).

    It denies everything until you do. A denial is answered with 404, like
    a missing file, so that the answer does not tell which files exist.
    """
    return False
