<?php

// Symfony's BinaryFileResponse, with an X-Accel-Redirect value that is a
// URI on every Symfony version. Written by: xaccel generate --backend laravel --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

namespace App\Http\Responses;

use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\HeaderUtils;
use Symfony\Component\HttpFoundation\Request;

class XaccelFileResponse extends BinaryFileResponse
{
    /**
     * BinaryFileResponse::prepare() maps the file's real path to
     * X-Accel-Redirect through the X-Accel-Mapping the front server sends.
     * symfony/http-foundation releases from before April 2025 (and every
     * 5.4 release, the one Laravel 8 uses) put the path there raw, and nginx
     * then cannot find a name with % or ? in it. This sets the value again,
     * with every path segment percent-encoded once, whatever the version
     * did.
     */
    public function prepare(Request $request): static
    {
        parent::prepare($request);

        if (! $this->headers->has('X-Accel-Redirect') || ! $request->headers->has('X-Accel-Mapping')) {
            return $this;
        }
        $path = $this->file->getRealPath();
        foreach (HeaderUtils::split($request->headers->get('X-Accel-Mapping'), ',=') as $part) {
            [$pathPrefix, $location] = $part + [1 => null];
            if ($location !== null && $pathPrefix !== '' && str_starts_with($path, $pathPrefix)) {
                $rel = substr($path, strlen($pathPrefix));
                $this->headers->set('X-Accel-Redirect', $location.implode('/', array_map('rawurlencode', explode('/', $rel))));
                break;
            }
        }

        return $this;
    }
}
