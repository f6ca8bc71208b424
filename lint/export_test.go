package lint

// ApplyFixes gives the tests of package lint_test applyFixes: the new
// contents and the fixes left out.
func ApplyFixes(findings []Finding, sources map[string][]byte) (map[string][]byte, []FixConflict) {
	out, _, _, conflicts := applyFixes(findings, sources)
	return out, conflicts
}
