//go:build !linux

package realnginx

// roomyTmpfs reports whether dir is a tmpfs with room bytes free: only
// Linux is asked.
func roomyTmpfs(dir string, room uint64) bool { return false }
