package lint

import (
	"os"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestMain runs the tests with their temporary files on a tmpfs where
// there is one (realnginx.ScratchInMemory).
func TestMain(m *testing.M) { os.Exit(realnginx.ScratchInMemory(m).Run()) }
