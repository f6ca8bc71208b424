// Who may download what. Written by: xaccel generate --backend express --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com

'use strict';

/**
 * Decides whether the request may have the file at rel (a clean path
 * relative to the private directory, such as "invoices/2024/a.pdf").
 * Replace it with your own rule: look the file up in your database and
 * check that the signed-in user (req.user, req.session, ...) may see that
 * row. It may return a boolean or a Promise of one.
 *
 * It denies everything until you do. A denial is answered with 404, like a
 * missing file, so that the answer does not tell which files exist.
 *
 * @param {import('express').Request} req
 * @param {string} rel
 * @returns {boolean | Promise<boolean>}
 */
function canDownload(req, rel) {
  return false;
}

module.exports = { canDownload };
