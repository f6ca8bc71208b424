//go:build darwin || freebsd || netbsd || openbsd

package proxy

import "syscall"

// search is NGX_FILE_SEARCH|NGX_FILE_NONBLOCK where there is no O_PATH:
// how disable_symlinks opens a directory component.
const search = syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// statMtime is a file's modification time in seconds.
func statMtime(st *syscall.Stat_t) int64 { return st.Mtimespec.Sec }
