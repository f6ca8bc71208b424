<?php
// Settings of download.php; they must agree with the apache configuration.
// Written by: xaccel generate --backend php --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com

return [
    // The private directory on disk. Keep it outside any public document root.
    'files_dir' => "/srv/example/private-files",
    // The URL the download script answers; the rest of the path is the name.
    'download_path' => "/files/",
    // X-Accel on: apache sends the file. XACCEL_ENABLED=0 switches it off
    // (development): the script then streams the file itself. php-fpm clears
    // the environment by default (clear_env = yes), so set it in the pool
    // (env[XACCEL_ENABLED] = 0).
    'accel' => getenv('XACCEL_ENABLED') !== '0',
    // Content-Type by extension; anything else is application/octet-stream.
    // apache passes the script's Content-Type through, so it must be right.
    'types' => [
        'txt' => 'text/plain',
        'csv' => 'text/csv',
        'md' => 'text/markdown',
        'html' => 'text/html',
        'htm' => 'text/html',
        'css' => 'text/css',
        'js' => 'text/javascript',
        'json' => 'application/json',
        'xml' => 'application/xml',
        'pdf' => 'application/pdf',
        'rtf' => 'application/rtf',
        'epub' => 'application/epub+zip',
        'zip' => 'application/zip',
        'gz' => 'application/gzip',
        'tar' => 'application/x-tar',
        '7z' => 'application/x-7z-compressed',
        'doc' => 'application/msword',
        'docx' => 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'xls' => 'application/vnd.ms-excel',
        'xlsx' => 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'ppt' => 'application/vnd.ms-powerpoint',
        'pptx' => 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'odt' => 'application/vnd.oasis.opendocument.text',
        'ods' => 'application/vnd.oasis.opendocument.spreadsheet',
        'odp' => 'application/vnd.oasis.opendocument.presentation',
        'png' => 'image/png',
        'jpg' => 'image/jpeg',
        'jpeg' => 'image/jpeg',
        'gif' => 'image/gif',
        'webp' => 'image/webp',
        'avif' => 'image/avif',
        'svg' => 'image/svg+xml',
        'ico' => 'image/vnd.microsoft.icon',
        'tif' => 'image/tiff',
        'tiff' => 'image/tiff',
        'mp3' => 'audio/mpeg',
        'ogg' => 'audio/ogg',
        'wav' => 'audio/wav',
        'mp4' => 'video/mp4',
        'webm' => 'video/webm',
        'mov' => 'video/quicktime',
    ],
];
