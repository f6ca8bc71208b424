'use strict';

// Protected downloads: an Express router that checks permission, then hands
// the file to apache with X-Sendfile, or streams it itself when
// X-Accel is switched off (development). Written by: xaccel generate --backend express --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
// Mount it on the download URL:
//
//   app.use("/files", createDownloads({ root, accel }));

const fs = require('fs');
const path = require('path');
const express = require('express');
// The package behind Express's res.attachment(), called directly for its
// fallback option: res.attachment() alone would send a Latin-1 name such
// as "ünïcödé.txt" as raw bytes and no filename*.
const contentDisposition = require('content-disposition');
const { canDownload } = require('./permissions');

/**
 * @param {object} options
 * @param {string} options.root   the private directory on disk
 * @param {boolean} options.accel hand files to apache; off, stream them here
 * @returns {import('express').Router}
 */
function createDownloads({ root, accel }) {
  // Resolved once: a file counts as inside only if its real path (symlinks
  // followed) is under this one. Throws at startup when root is missing.
  const realRoot = fs.realpathSync(root);
  const router = express.Router();

  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, HEAD');
      res.status(405).type('text/plain').send('method not allowed\n');
      return;
    }
    serve(req, res).catch(next);
  });

  async function serve(req, res) {
    const rel = safeRelPath(req.path);
    if (rel === null || !(await canDownload(req, rel))) {
      notFound(res);
      return;
    }
    const file = await regularFileInside(realRoot, rel);
    if (file === null) {
      notFound(res);
      return;
    }

    const name = path.posix.basename(rel);
    // The real type from the extension (application/octet-stream when
    // unknown): apache passes the app's Content-Type through.
    res.type(path.posix.extname(name) || 'application/octet-stream');
    res.set('Content-Disposition', attachment(name));
    // Not for shared caches: the answer depends on who asked.
    res.set('Cache-Control', 'private, no-store');
    // mod_xsendfile keeps the app's headers; Apache sets these as well.
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Content-Security-Policy', "default-src 'none'; sandbox");

    if (accel) {
      // mod_xsendfile takes the absolute path as it is, as UTF-8 bytes. Node
      // writes header strings as Latin-1, one byte per character, so the
      // UTF-8 bytes are handed over that way (a plain non-ASCII string would
      // throw or be mangled).
      res.set('X-Sendfile', Buffer.from(path.join(root, rel), 'utf8').toString('latin1'));
      // No body and no Range handling: apache sends the file.
      res.end();
      return;
    }
    // Development: the same file and headers, streamed by Express (with
    // ranges and conditional requests). cacheControl: false keeps the
    // Cache-Control above (send's default is "public, max-age=0"); dotfiles
    // are allowed because the name was checked above and apache serves
    // them too.
    await new Promise((resolve) => {
      res.sendFile(rel, { root: realRoot, dotfiles: 'allow', cacheControl: false }, (err) => {
        if (err && !res.headersSent) {
          notFound(res);
        }
        resolve();
      });
    });
  }

  return router;
}

function notFound(res) {
  // Drop the download headers set before the failure was known.
  for (const h of ['Content-Disposition', 'Content-Type']) {
    res.removeHeader(h);
  }
  res.status(404).type('text/plain').send('not found\n');
}

/**
 * Turns the path under the mount point (still percent-encoded) into a clean
 * relative path, or null: empty names, NUL and other control characters,
 * backslashes, empty, "." and ".." segments are refused, never "fixed".
 * A bad percent sequence is refused too, rather than answered with 400.
 */
function safeRelPath(urlPath) {
  let name;
  try {
    name = decodeURIComponent(urlPath.replace(/^\//, ''));
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (name === '' || /[\u0000-\u001f\u007f\\]/.test(name)) {
    return null;
  }
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return null;
  }
  return segments.join('/');
}

/**
 * Returns the file's real path if it is a regular file whose real path
 * (symlinks followed) stays inside realRoot, else null.
 */
async function regularFileInside(realRoot, rel) {
  try {
    const real = await fs.promises.realpath(path.join(realRoot, rel));
    if (!real.startsWith(realRoot + path.sep)) {
      return null;
    }
    const st = await fs.promises.stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

/**
 * Content-Disposition: attachment with an ASCII fallback (accents dropped,
 * other non-ASCII characters and % replaced by _; \ and " escaped by the
 * package) and the exact name as filename* (UTF-8, percent-encoded). The
 * raw name is never concatenated, so a " in it cannot add parameters.
 */
function attachment(name) {
  const fallback = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|%/g, '_');
  return contentDisposition(name, { type: 'attachment', fallback });
}

module.exports = { createDownloads, safeRelPath, attachment };
