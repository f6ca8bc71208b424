<?php

// Who may download what. Written by: xaccel generate --backend laravel --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

namespace App\Policies;

use Illuminate\Contracts\Auth\Authenticatable;

class DownloadPolicy
{
    /**
     * Decides whether $user may have the file at $path (a clean path
     * relative to the private directory, such as "invoices/2024/a.pdf").
     * Replace it with your own rule: look the file up in your database and
     * check that the user may see that row. Guests reach this method too
     * ($user is null).
     *
     * It denies everything until you do. A denial is answered with 404, like
     * a missing file, so that the answer does not tell which files exist.
     */
    public function download(?Authenticatable $user, string $path): bool
    {
        return false;
    }
}
