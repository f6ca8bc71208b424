// Package templates holds the text/template files that xaccel generate
// renders: nginx/ (the nginx server block and the paste-in snippet),
// servers/ (Caddy and Apache fronts), backends/<framework>/ (the app side)
// and docs/ (NEXT-STEPS.md, xaccel-check.sh and its CI workflow). Every file ends in .tmpl; the output path is
// the template's path below its group with the suffix removed.
package templates

import "embed"

// FS holds every template.
//
//go:embed all:nginx all:servers all:backends all:docs
var FS embed.FS
