<?php

// Protected downloads: settings read by DownloadController and
// XaccelServiceProvider. Written by: xaccel generate --backend laravel --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

return [

    // X-Accel on: nginx sends the file (BinaryFileResponse then answers
    // with X-Accel-Redirect and no body). XACCEL_ENABLED=0 (or false) in
    // .env switches it off for development: the same controller then
    // streams the file itself, with the same headers. Run
    // "php artisan config:clear" (or config:cache again) after changing it.
    'enabled' => ! in_array(env('XACCEL_ENABLED'), ['0', false], true),

    // The private directory, outside public/. In production it must be the
    // real path (no symlinks) that nginx is given as X-Accel-Mapping:
    // BinaryFileResponse compares the file's real path with it, and streams
    // the file through PHP when they do not match. Override it only for development.
    'files_dir' => env('XACCEL_FILES_DIR', "/srv/example/private-files"),

];
