<?php
// Who may download what. Written by: xaccel generate --backend php --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

/**
 * Decides whether the current request may have the file at $rel (a clean
 * path relative to the private directory, such as "invoices/2024/a.pdf").
 * Replace it with your own rule: look the file up in your database and
 * check that the signed-in user (your session) may see that row.
 *
 * It denies everything until you do. A denial is answered with 404, like a
 * missing file, so that the answer does not tell which files exist.
 */
function can_download(string $rel): bool
{
    return false;
}
