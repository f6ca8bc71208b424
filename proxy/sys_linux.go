package proxy

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// search is NGX_FILE_SEARCH|NGX_FILE_NONBLOCK on Linux (O_PATH): how
// disable_symlinks opens a directory component.
const search = unix.O_PATH | syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// statMtime is a file's modification time in seconds.
func statMtime(st *syscall.Stat_t) int64 { return st.Mtim.Sec }
