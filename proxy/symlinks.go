//go:build unix

package proxy

import (
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/xaccel/xaccel/nginx"
)

// disable_symlinks as nginx runs it on Linux (ngx_open_file_wrapper with
// openat and O_PATH): the path is opened one component at a time from "/"
// (or from the end of the from= part), each directory with O_NOFOLLOW
// (`on`) or with its owner compared to the owner of what it leads to
// (`if_not_owner`), then the last component the same way. A symbolic link
// where none may be gives ELOOP, which the static handler answers with
// 403; a link to a file where a directory is expected gives ENOTDIR (404).
// The static handler, try_files and index all open files this way.

type symlinkMode uint8

const (
	symlinksOff symlinkMode = iota
	symlinksOn
	symlinksNotOwner
)

// symlinkPolicy is disable_symlinks for one path: the mode, and how many
// leading bytes of the path are not checked (from=).
type symlinkPolicy struct {
	mode symlinkMode
	from int
}

// symlinkPolicy is ngx_http_set_disable_symlinks for the file path of a
// request in location l: the location's disable_symlinks, with from= (a
// value with variables, usually $document_root) excluding the leading
// part of path it names, or switching the check off when it names all of
// it.
func (h *Handler) symlinkPolicy(rq *request, l *nginx.Location, caps []string, path string) symlinkPolicy {
	d := h.conf(l).symlinks
	if d == nil {
		return symlinkPolicy{}
	}
	var pol symlinkPolicy
	switch d.Arg(0) {
	case "on":
		pol.mode = symlinksOn
	case "if_not_owner":
		pol.mode = symlinksNotOwner
	default:
		return symlinkPolicy{}
	}
	fromArg, ok := strings.CutPrefix(d.Arg(1), "from=")
	if !ok {
		return pol
	}
	var from string
	if fromArg == "$document_root" || fromArg == "${document_root}" {
		from = h.docRoot(rq, l, caps)
	} else {
		from = h.mapRoot(h.expand(rq, fromArg))
	}
	switch {
	case from == "" || len(from) > len(path) || path[:len(from)] != from:
	case len(from) == len(path):
		pol.mode = symlinksOff
	case path[len(from)] == '/':
		pol.from = len(from)
	case from[len(from)-1] == '/':
		pol.from = len(from) - 1
	}
	return pol
}

// docRoot is $document_root for location l: the root or alias value with
// the regex captures, mapped by --map-root.
func (h *Handler) docRoot(rq *request, l *nginx.Location, caps []string) string {
	p, ok := h.path(rq, l, "", caps)
	if !ok {
		return ""
	}
	return p
}

// openPath opens path with flags (those of its last component) under the
// policy, as ngx_open_file_wrapper does. It returns the descriptor or the
// errno nginx would see.
func openPath(path string, flags int, pol symlinkPolicy) (int, error) {
	flags |= syscall.O_CLOEXEC
	if pol.mode == symlinksOff {
		return openat(unix.AT_FDCWD, path, flags)
	}
	at, i := unix.AT_FDCWD, 0
	var err error
	switch {
	case pol.from > 0:
		at, err = openat(unix.AT_FDCWD, path[:pol.from], search)
		i = pol.from + 1
	case strings.HasPrefix(path, "/"):
		at, err = openat(unix.AT_FDCWD, "/", search)
		i = 1
	}
	if err != nil {
		return -1, err
	}
	closeAt := func() {
		if at != unix.AT_FDCWD {
			syscall.Close(at)
		}
	}
	for {
		j := strings.IndexByte(path[i:], '/')
		if j < 0 {
			break
		}
		if j == 0 {
			i++
			continue
		}
		var fd int
		if pol.mode == symlinksNotOwner {
			fd, err = openatOwner(at, path[i:i+j], search)
		} else {
			fd, err = openat(at, path[i:i+j], search|syscall.O_NOFOLLOW)
		}
		closeAt()
		if err != nil {
			return -1, err
		}
		at, i = fd, i+j+1
	}
	defer closeAt()
	switch {
	case i == len(path):
		// A trailing slash: the last component, opened as a directory
		// above, is reopened with the caller's flags.
		return openat(at, ".", flags)
	case pol.mode == symlinksNotOwner:
		return openatOwner(at, path[i:], flags)
	}
	return openat(at, path[i:], flags|syscall.O_NOFOLLOW)
}

// openat retries on EINTR.
func openat(at int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(at, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// openatOwner is ngx_openat_file_owner: name is opened following a link,
// and refused with ELOOP unless what was opened has the owner of the name
// itself (the link, or the file when it is none).
func openatOwner(at int, name string, flags int) (int, error) {
	fd, err := openat(at, name, flags)
	if err != nil {
		return -1, err
	}
	var atst, st unix.Stat_t
	if err := unix.Fstatat(at, name, &atst, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if err := unix.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if st.Uid != atst.Uid {
		syscall.Close(fd)
		return -1, unix.ELOOP
	}
	return fd, nil
}

// statPath is ngx_file_info_wrapper: stat(2) without a policy, otherwise
// the file opened read-only under it and fstat(2).
func statPath(path string, pol symlinkPolicy) (syscall.Stat_t, error) {
	var st syscall.Stat_t
	if pol.mode == symlinksOff {
		for {
			err := syscall.Stat(path, &st)
			if err != syscall.EINTR {
				return st, err
			}
		}
	}
	fd, err := openPath(path, syscall.O_RDONLY|syscall.O_NONBLOCK, pol)
	if err != nil {
		return st, err
	}
	defer syscall.Close(fd)
	err = syscall.Fstat(fd, &st)
	return st, err
}

func isDirStat(st *syscall.Stat_t) bool { return st.Mode&syscall.S_IFMT == syscall.S_IFDIR }
