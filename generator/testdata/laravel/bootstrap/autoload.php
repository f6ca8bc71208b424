<?php

// Instead of Composer's vendor/autoload.php: Debian's autoloader for
// php-laravel-framework (and the Symfony, Carbon, Monolog, ... packages it
// depends on), found through include_path (/usr/share/php), and the App\
// namespace from app/.

require_once 'Illuminate/autoload.php';

spl_autoload_register(function (string $class): void {
    if (strncmp($class, 'App\\', 4) !== 0) {
        return;
    }
    $file = __DIR__.'/../app/'.str_replace('\\', '/', substr($class, 4)).'.php';
    if (is_file($file)) {
        require $file;
    }
});
