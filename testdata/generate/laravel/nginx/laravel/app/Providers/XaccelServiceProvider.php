<?php

// Protected downloads: the permission gate, the X-Accel-Redirect switch
// and the download route. Written by: xaccel generate --backend laravel --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com
//
// Register it: Laravel 11 and later, add it to bootstrap/providers.php;
// Laravel 10, to the "providers" list in config/app.php:
//
//   App\Providers\XaccelServiceProvider::class,

namespace App\Providers;

use App\Policies\DownloadPolicy;
use Illuminate\Support\Facades\Gate;
use Illuminate\Support\ServiceProvider;
use Symfony\Component\HttpFoundation\BinaryFileResponse;

class XaccelServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        Gate::define('download-file', [DownloadPolicy::class, 'download']);

        if (config('xaccel.enabled')) {
            // BinaryFileResponse (response()->file(), ->download()) then
            // answers with X-Accel-Redirect instead of a body whenever the
            // request carries X-Sendfile-Type and X-Accel-Mapping. nginx sets
            // them on every request and overwrites any value a client sends:
            // a client must never choose them. Without them (php artisan
            // serve, tests) the file is streamed as usual.
            //
            // DownloadController answers with XaccelFileResponse, which
            // percent-encodes the path on every symfony/http-foundation
            // version (older ones send it raw).
            BinaryFileResponse::trustXSendfileTypeHeader();
        }

        $this->loadRoutesFrom(base_path('routes/xaccel.php'));
    }
}
