//go:build darwin || freebsd || netbsd || openbsd

package upstream

import "syscall"

// newSocket is a non-blocking TCP socket closed on exec. These systems
// have no flags for that in socket(2): the fork lock keeps a child from
// inheriting the descriptor in between.
func newSocket(family int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}
