package cmd

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xaccel/xaccel/generator"
	"github.com/xaccel/xaccel/lint"
)

type generateOptions struct {
	gen           generator.Options
	out           string
	force         bool
	dryRun        bool
	list          bool
	listTemplates bool
	config        string
	noConfig      bool
}

func newGenerateCmd() *cobra.Command {
	o := &generateOptions{}
	c := &cobra.Command{
		Use:   "generate --backend NAME [flags]",
		Short: "Write the nginx side and the app side of a protected-download setup",
		Long: `Write both halves of a protected-download setup so that they agree:

  OUT/nginx/xaccel.conf    one server { } block: the app, and the internal
                           location (^~, internal, alias with the trailing
                           slash, nosniff and a sandboxing CSP)
  OUT/nginx/snippet.conf   just the locations, for a server you already have
  OUT/<backend>/...        the download handler: permission hook (404 on
                           deny), safe relative path, real Content-Type,
                           percent-encoded X-Accel-Redirect, Content-
                           Disposition with an ASCII fallback and filename*,
                           Cache-Control: private, no-store, and a switch
                           (XACCEL_ENABLED=0) that streams the same file
  OUT/NEXT-STEPS.md        what to paste where, and how to check it

With --front caddy or apache, OUT/caddy/Caddyfile or OUT/apache/xaccel.conf
replaces OUT/nginx/. Traefik and HAProxy cannot serve files and are refused.

Existing files with other content are not overwritten without --force;
--dry-run lists what would be written. After writing, the nginx files are
linted as xaccel lint would; any finding is printed and exits 1.

Settings can also live in the generate: section of .xaccel.yaml (the flag
names with _ for -); flags win.

Exit codes: 0 written (or nothing to change), 1 the self-check found a
problem in the written nginx files, 2 usage error, files that would be
overwritten, or a file that cannot be written.`,
		Example: `  xaccel generate --backend django --files-dir /srv/app/private --out deploy
  xaccel generate --backend php --app unix:/run/php/php8.2-fpm.sock --app-root /srv/app
  xaccel generate --backend express --front caddy --dry-run
  xaccel generate --list`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runGenerate(c, o)
		},
	}
	f := c.Flags()
	g := &o.gen
	f.StringVar(&g.Backend, "backend", "", "the app's framework `NAME`: "+strings.Join(generator.BackendNames(), ", "))
	f.StringVar(&g.Front, "front", "", "the front server: nginx, caddy or apache (default nginx)")
	f.StringVar(&g.InternalPrefix, "internal-prefix", "", "the internal location's URL `PREFIX` (default /_protected/)")
	f.StringVar(&g.FilesDir, "files-dir", "", "the private `DIR` on the server that holds the files (default /srv/app/private)")
	f.StringVar(&g.DownloadPath, "download-path", "", "the app's download URL `PREFIX` that checks permissions (default /download/)")
	f.StringVar(&g.App, "app", "", "where the front server reaches the app: `HOST:PORT`, or the php-fpm socket unix:/PATH (default per backend, see --list)")
	f.StringVar(&g.AppRoot, "app-root", "", "php and laravel: the `DIR` the PHP code is deployed to (default /srv/app)")
	f.StringVar(&g.ServerName, "server-name", "", "the server_name `NAMES` (default localhost)")
	f.StringVar(&g.TemplateDir, "template-dir", "", "`DIR` of templates that replace built-in ones of the same name (see --list-templates)")
	f.StringVarP(&o.out, "out", "o", "xaccel-setup", "write the files under `DIR`")
	f.BoolVar(&o.force, "force", false, "replace files that exist with other content")
	f.BoolVar(&o.dryRun, "dry-run", false, "list the files and what would happen to each; write nothing")
	f.BoolVar(&o.list, "list", false, "list the backends and fronts, then exit")
	f.BoolVar(&o.listTemplates, "list-templates", false, "list the built-in template names, then exit")
	f.StringVar(&o.config, "config", "", "read settings from this .xaccel.yaml `FILE` instead of looking for one")
	f.BoolVar(&o.noConfig, "no-config", false, "read no "+lint.ConfigFileName)
	c.RegisterFlagCompletionFunc("backend", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return generator.BackendNames(), cobra.ShellCompDirectiveNoFileComp
	})
	c.RegisterFlagCompletionFunc("front", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return generator.Fronts, cobra.ShellCompDirectiveNoFileComp
	})
	return c
}

func runGenerate(c *cobra.Command, o *generateOptions) error {
	stdout := c.OutOrStdout()
	if o.list {
		return listBackends(stdout)
	}
	if o.listTemplates {
		for _, n := range generator.TemplateNames() {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	cf, err := lintConfig(&lintOptions{config: o.config, noConfig: o.noConfig})
	if err != nil {
		return err
	}
	if cf != nil {
		given := func(flag string) bool { return c.Flags().Changed(flag) }
		if err := generator.ApplyConfig(cf, &o.gen, &o.out, given); err != nil {
			return usagef("%v", err)
		}
	}
	d, err := generator.Resolve(o.gen)
	if err != nil {
		return usagef("generate: %v", err)
	}
	files, err := generator.Render(d, o.gen.TemplateDir)
	if err != nil {
		return usagef("generate: %v", err)
	}
	results, err := generator.Write(o.out, files, o.force, o.dryRun)
	for _, r := range results {
		status := string(r.Status)
		if o.dryRun && r.Status != generator.Unchanged && r.Status != generator.Conflict {
			status = "would " + status
		}
		fmt.Fprintf(stdout, "%-15s %s\n", status, r.Path)
	}
	if err != nil {
		return usagef("generate: %v", err)
	}
	var report *lint.Report
	if o.dryRun {
		report = generator.CheckFiles(files, d)
	} else if report, err = generator.SelfCheck(o.out, d); err != nil {
		return usagef("generate: self-check: %v", err)
	}
	if len(report.Findings) > 0 {
		fmt.Fprintf(c.ErrOrStderr(), "xaccel: generate: the generated nginx files have problems (a template is wrong; --template-dir overrides are the usual cause):\n")
		if err := lint.WriteText(c.ErrOrStderr(), report, false); err != nil {
			return err
		}
		return &exitError{code: ExitFindings}
	}
	if d.Front == "nginx" {
		verb := "finds"
		if o.dryRun {
			verb = "would find"
		}
		fmt.Fprintf(stdout, "self-check: xaccel lint %s nothing in %s\n", verb, filepath.Join(o.out, "nginx"))
	}
	if !o.dryRun {
		fmt.Fprintf(stdout, "next: read %s\n", filepath.Join(o.out, "NEXT-STEPS.md"))
	}
	return nil
}

func listBackends(w io.Writer) error {
	fmt.Fprintln(w, "Backends (--backend):")
	for _, b := range generator.Backends {
		app := "listens on " + b.DefaultApp
		if b.FastCGI {
			app = "runs under php-fpm at " + b.DefaultApp
		}
		fmt.Fprintf(w, "  %-8s %s (%s; %s)\n", b.Name, b.Title, b.Lang, app)
	}
	_, err := fmt.Fprintln(w, "Fronts (--front): nginx (default), caddy, apache. Not possible: traefik, haproxy (they cannot serve files).")
	return err
}
