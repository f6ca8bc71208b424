package realnginx

import "syscall"

// tmpfsMagic is the file system type of a tmpfs in statfs(2).
const tmpfsMagic = 0x01021994

// stNoexec is statfs(2)'s flag of a file system mounted noexec.
const stNoexec = 0x8

// roomyTmpfs reports whether dir is a tmpfs with at least room bytes free,
// where programs may run (the generator's tests build and run apps in
// their temporary directories).
func roomyTmpfs(dir string, room uint64) bool {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil || st.Type != tmpfsMagic || st.Flags&stNoexec != 0 {
		return false
	}
	return st.Bavail*uint64(st.Bsize) >= room
}
