package realnginx

import (
	"fmt"
	"os"
)

// tmpfsDir is where ScratchInMemory puts the tests' temporary files.
const tmpfsDir = "/dev/shm"

// tmpfsRoom is the free space a tmpfs must have to hold them: a container's
// /dev/shm of 64 MB is left alone.
const tmpfsRoom = 1 << 30

// ScratchInMemory wraps a test binary's main (testing.M, or what
// testscript.Main takes) so that its tests make their temporary files on a
// tmpfs: when $TMPDIR is not set and /dev/shm is a tmpfs with a gigabyte
// free, Run points $TMPDIR (read by t.TempDir, os.MkdirTemp and the servers
// the tests start) at a new directory there and removes it when the tests
// end. Otherwise, or with TMPDIR set, nothing changes.
//
// The tests make and remove many small files (a prefix, a file tree and a
// configuration for every nginx they start); on a disk mounted with
// `discard`, as cloud machines' often are, that was a third of the whole
// suite's CPU time, in the kernel.
func ScratchInMemory(m interface{ Run() int }) interface{ Run() int } {
	return scratchMain{m}
}

type scratchMain struct{ m interface{ Run() int } }

func (s scratchMain) Run() int {
	if os.Getenv("TMPDIR") != "" || !roomyTmpfs(tmpfsDir, tmpfsRoom) {
		return s.m.Run()
	}
	// A short name: the tests' Unix sockets (nginx's upstreams, php-fpm)
	// live under it, and a socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp(tmpfsDir, "x")
	if err != nil {
		return s.m.Run()
	}
	// Like /tmp: servers that run as another user (nginx's workers,
	// Apache) go through it to the test's files.
	if err := os.Chmod(dir, 0o1777); err != nil {
		os.Remove(dir)
		return s.m.Run()
	}
	os.Setenv("TMPDIR", dir)
	code := s.m.Run()
	os.Unsetenv("TMPDIR")
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "removing the tests' scratch directory: %v\n", err)
	}
	return code
}
