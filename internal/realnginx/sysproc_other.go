//go:build !linux

package realnginx

import "os/exec"

func setSysProcAttr(cmd *exec.Cmd) {}
