package generator

import "testing"

// Laravel is not run end to end here (that needs a Laravel install from
// Packagist); its generated PHP must at least parse. TestGolden and
// TestEveryBackendNginxAndLint cover the rest.
func TestLaravelPHPSyntax(t *testing.T) { phpLint(t, "laravel") }
