package realnginx

import (
	"os/exec"
	"syscall"
)

// setSysProcAttr makes the kernel kill nginx if the test binary dies
// without running its cleanups (e.g. on a go test -timeout panic).
func setSysProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
