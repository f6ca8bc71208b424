<?php

// Protected downloads: settings read by DownloadController and
// XaccelServiceProvider. Written by: xaccel generate --backend laravel --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

return [

    // X-Accel on: apache sends the file (BinaryFileResponse then answers
    // with X-Sendfile and no body). XACCEL_ENABLED=0 (or false) in
    // .env switches it off for development: the same controller then
    // streams the file itself, with the same headers. Run
    // "php artisan config:clear" (or config:cache again) after changing it.
    'enabled' => ! in_array(env('XACCEL_ENABLED'), ['0', false], true),

    // The private directory, outside public/. In production it must be the
    // real path (no symlinks) that apache is given as XSendFilePath:
    // BinaryFileResponse sends the file's real path, and mod_xsendfile sends
    // only files under XSendFilePath. Override it only for development.
    'files_dir' => env('XACCEL_FILES_DIR', "/srv/example/private-files"),

];
