<?php
// Protected downloads: nginx runs this script for /files/<name>. It
// checks permission, then hands the file to nginx with X-Accel-Redirect,
// or streams it itself when X-Accel is switched off (development).
// Written by: xaccel generate --backend php --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com
//
// Settings are in config.php, the permission check in permissions.php.
// Needs PHP 8.1 or later.

declare(strict_types=1);

require __DIR__ . '/permissions.php';

$config = require __DIR__ . '/config.php';

$method = $_SERVER['REQUEST_METHOD'] ?? '';
if ($method !== 'GET' && $method !== 'HEAD') {
    header('Allow: GET, HEAD');
    download_fail(405, 'method not allowed');
}

$rel = download_safe_rel_path(download_name_from_uri($_SERVER['REQUEST_URI'] ?? '', $config['download_path']));
if ($rel === null || !can_download($rel)) {
    download_fail(404, 'not found');
}

// The file must be a regular file whose real path (symlinks followed)
// stays inside the private directory.
$root = realpath($config['files_dir']);
$real = $root === false ? false : realpath($root . '/' . $rel);
if ($real === false || !str_starts_with($real, $root . '/') || !is_file($real) || !is_readable($real)) {
    download_fail(404, 'not found');
}

$name = basename($rel);
$ext = strtolower(pathinfo($name, PATHINFO_EXTENSION));
// Always set: PHP would otherwise send its default_mimetype (text/html),
// and nginx passes the script's Content-Type through.
header('Content-Type: ' . ($config['types'][$ext] ?? 'application/octet-stream'));
header('Content-Disposition: ' . download_content_disposition($name));
// Not for shared caches: the answer depends on who asked.
header('Cache-Control: private, no-store');
// nginx drops these two from the script's response and sets them for the
// file itself; they are here for the streamed path.
header('X-Content-Type-Options: nosniff');
header("Content-Security-Policy: default-src 'none'; sandbox");

if ($config['accel']) {
    // A URI, not a path: every segment percent-encoded once (rawurlencode),
    // so that names with %, ?, # or non-ASCII letters reach the right file.
    header('X-Accel-Redirect: ' . $config['internal_prefix'] . implode('/', array_map('rawurlencode', explode('/', $rel))));
    // No body and no Range handling: nginx sends the file.
    exit;
}

// Development: the same file and headers, streamed by PHP.
header('Content-Length: ' . filesize($real));
header('Last-Modified: ' . gmdate('D, d M Y H:i:s', (int) filemtime($real)) . ' GMT');
if ($method === 'HEAD') {
    exit;
}
// Stream straight through instead of collecting the file in output buffers.
while (ob_get_level() > 0) {
    ob_end_clean();
}
readfile($real);
exit;

/**
 * Answers with a short plain-text error and stops.
 */
function download_fail(int $status, string $message): never
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    echo $message, "\n";
    exit;
}

/**
 * The percent-decoded name after the download path in the request URI
 * (the query string removed), or '' when the URI is not under it. rawurldecode
 * keeps "+" as "+": in a path it is not a space.
 */
function download_name_from_uri(string $uri, string $downloadPath): string
{
    $path = explode('?', $uri, 2)[0];
    if (!str_starts_with($path, $downloadPath)) {
        return '';
    }
    return rawurldecode(substr($path, strlen($downloadPath)));
}

/**
 * A clean relative path, or null: empty names, NUL and other control
 * characters, backslashes, empty, "." and ".." segments are refused, never
 * "fixed".
 */
function download_safe_rel_path(string $name): ?string
{
    if ($name === '' || preg_match('/[\x00-\x1f\x7f\\\\]/', $name)) {
        return null;
    }
    foreach (explode('/', $name) as $segment) {
        if ($segment === '' || $segment === '.' || $segment === '..') {
            return null;
        }
    }
    return $name;
}

/**
 * Content-Disposition: attachment with an ASCII fallback (quoted, \ and "
 * escaped, non-ASCII characters and % replaced by _) and the exact name as
 * filename* (UTF-8, percent-encoded). Nothing of the raw name reaches the
 * header unescaped, so a " in it cannot add parameters.
 */
function download_content_disposition(string $name): string
{
    $fallback = preg_replace('/[^\x20-\x7e]|%/u', '_', $name)
        ?? preg_replace('/[^\x20-\x7e]|%/', '_', $name); // not valid UTF-8
    return 'attachment; filename="' . addcslashes($fallback, '"\\') . '"'
        . "; filename*=UTF-8''" . rawurlencode($name);
}
