"""Who may download what. Replace can_download with your own rule."""


def can_download(rel):
    """Decide whether the current request (flask.request, flask.g, your
    login extension's current_user) may have the file at rel, a clean path
    below PRIVATE_ROOT such as "invoices/2024/a.pdf".

    Replace this with your own rule: look the file up in your database and
    check that the signed-in user may see that row.

    It denies everything until you do. A denial is answered with 404, like
    a missing file, so that the answer does not tell which files exist.
    """
    return False
