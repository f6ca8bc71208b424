package generator

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// listenerOwned reports whether a TCP socket listening on port belongs
// to the process pid or one of its descendants, from Linux's /proc. ok is
// false when /proc cannot tell (another system), and the caller then
// falls back to dialling alone.
//
// Dialling alone is not proof: a port handed out by freePort may, for a
// moment, be listened on by another test's server, and a connection
// accepted there was once taken for a slow app's readiness (its front then
// answered 502 to every request).
func listenerOwned(pid, port int) (owned, ok bool) {
	inodes := map[string]bool{}
	for _, p := range withDescendants(pid) {
		fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(p), "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(p), "fd", fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
			}
		}
	}
	read := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		read = true
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			i := strings.LastIndexByte(fields[1], ':')
			p, err := strconv.ParseUint(fields[1][i+1:], 16, 16)
			if err == nil && int(p) == port && inodes[fields[9]] {
				f.Close()
				return true, true
			}
		}
		f.Close()
	}
	return false, read
}

// withDescendants is pid and every process whose parent chain leads to
// it (a server that forks its listener into a worker).
func withDescendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(b)
		j := strings.LastIndexByte(s, ')')
		if j < 0 {
			continue
		}
		f := strings.Fields(s[j+1:])
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[p] = pp
		}
	}
	out := []int{pid}
	for p := range parent {
		for q, n := p, 0; q > 1 && n < 64; q, n = parent[q], n+1 {
			if q == pid && p != pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func TestListenerOwned(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	owned, ok := listenerOwned(os.Getpid(), port)
	if !ok {
		t.Skip("no /proc/net/tcp here: waitDial falls back to dialling alone")
	}
	if !owned {
		t.Errorf("listenerOwned(this process, %d) = false for this process's own listener", port)
	}
	// The same port is not owned by a child of this process, nor is a
	// port nobody listens on owned by this process.
	child := exec.Command("sleep", "5")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	if owned, _ := listenerOwned(child.Process.Pid, port); owned {
		t.Errorf("listenerOwned(child, %d) = true for the parent's listener", port)
	}
	if kids := withDescendants(os.Getpid()); !slices.Contains(kids, child.Process.Pid) {
		t.Errorf("withDescendants(this process) = %v, misses the child %d", kids, child.Process.Pid)
	}
	ln.Close()
	if owned, _ := listenerOwned(os.Getpid(), port); owned {
		t.Errorf("listenerOwned(this process, %d) = true after the listener closed", port)
	}
}
