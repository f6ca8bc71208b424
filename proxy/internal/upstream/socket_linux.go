package upstream

import "syscall"

// newSocket is a non-blocking TCP socket closed on exec, made in one call.
func newSocket(family int) (int, error) {
	return syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
}
