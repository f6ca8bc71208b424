"""Who may download what. Replace can_download with your own rule."""


def can_download(request, rel):
    """Decide whether request may have the file at rel, a clean path below
    PRIVATE_ROOT such as "invoices/2024/a.pdf".

    Replace this with your own rule: look the file up in your database and
    check that the signed-in user may see that row, for example
        return Document.objects.filter(owner=request.user, file=rel).exists()

    It denies everything until you do. A denial is answered with 404, like
    a missing file, so that the answer does not tell which files exist.
    """
    return False
