<?php

// Protected downloads: checks permission, then answers with a
// BinaryFileResponse that caddy sends (X-Accel-Redirect), or that PHP
// streams when X-Accel is switched off (development).
// Written by: xaccel generate --backend laravel --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

namespace App\Http\Controllers;

use App\Http\Responses\XaccelFileResponse;
use Illuminate\Support\Facades\Gate;
use Illuminate\Support\Str;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\HeaderUtils;
use Symfony\Component\Mime\MimeTypes;

class DownloadController extends Controller
{
    /**
     * GET (and HEAD) /files/{path}; $path arrives percent-decoded.
     */
    public function __invoke(string $path): BinaryFileResponse
    {
        $rel = self::safeRelativePath($path);
        if ($rel === null || Gate::denies('download-file', $rel)) {
            abort(404);
        }

        // A regular file whose real path (symlinks followed) stays inside
        // the private directory.
        $root = realpath(config('xaccel.files_dir'));
        $file = $root === false ? false : realpath($root.'/'.$rel);
        if ($file === false || ! str_starts_with($file, $root.'/') || ! is_file($file) || ! is_readable($file)) {
            abort(404);
        }

        $name = basename($rel);
        $extension = strtolower(pathinfo($name, PATHINFO_EXTENSION));
        // response()->file() builds the same BinaryFileResponse; this one
        // also percent-encodes the X-Accel-Redirect path on every Symfony
        // version (app/Http/Responses/XaccelFileResponse.php).
        $response = new XaccelFileResponse($file, 200, [
            // The type by extension: BinaryFileResponse would otherwise guess
            // from the content, and caddy passes this header through.
            'Content-Type' => MimeTypes::getDefault()->getMimeTypes($extension)[0] ?? 'application/octet-stream',
            // caddy drops these two from the app's response and sets
            // them for the file itself; they are here for the streamed path.
            'X-Content-Type-Options' => 'nosniff',
            'Content-Security-Policy' => "default-src 'none'; sandbox",
        ]);
        // After construction: BinaryFileResponse starts out public, and this
        // answer depends on who asked.
        $response->headers->set('Cache-Control', 'private, no-store');
        // attachment; filename="<ASCII fallback>", plus filename*=utf-8''<the
        // exact name> when the two differ.
        $response->setContentDisposition(HeaderUtils::DISPOSITION_ATTACHMENT, $name, self::asciiFallback($name));

        // With X-Accel on, prepare() turns the file into X-Accel-Redirect
        // through the X-Accel-Mapping caddy sends, with no body and no
        // Range handling: caddy does that.
        return $response;
    }

    /**
     * A clean relative path, or null: empty names, NUL and other control
     * characters, backslashes, empty, "." and ".." segments are refused,
     * never "fixed".
     */
    private static function safeRelativePath(string $path): ?string
    {
        if ($path === '' || preg_match('/[\x00-\x1f\x7f\\\\]/', $path)) {
            return null;
        }
        foreach (explode('/', $path) as $segment) {
            if ($segment === '' || $segment === '.' || $segment === '..') {
                return null;
            }
        }

        return $path;
    }

    /**
     * The plain-ASCII filename="..." for old clients: transliterated
     * ("ünïcödé.txt" gives "unicode.txt"), with what Symfony refuses in a
     * fallback (%, /, \ and anything not printable ASCII) replaced by _, so
     * that no stored name can make setContentDisposition() throw.
     */
    private static function asciiFallback(string $name): string
    {
        $fallback = preg_replace('/[^\x20-\x7e]|[%\/\\\\]/', '_', Str::ascii($name));

        return $fallback === '' || $fallback === null ? 'download' : $fallback;
    }
}
