<?php

// The download URL, /files/<name>. Loaded by XaccelServiceProvider.
// Written by: xaccel generate --backend laravel --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --app-root /srv/example/app --server-name downloads.example.com
//
// {path} may hold slashes (invoices/2024/a.pdf). Link to a file with
// route('xaccel.download', ['path' => $relativePath]).

use App\Http\Controllers\DownloadController;
use Illuminate\Support\Facades\Route;

// "web" for the session, so that the policy sees the signed-in user.
Route::middleware('web')->group(function () {
    Route::get("/files/{path}", DownloadController::class)
        ->where('path', '.+')
        ->name('xaccel.download');
});
