// Package e2e drives real registry clients (crane, oras, regctl, skopeo, podman, helm, cosign,
// the docker CLI and engine, containerd's resolver, buildx) against a fakeghcr binary and checks
// that each prints exactly what it prints against ghcr.io for the same situation.
// TestClientLines runs crane, oras, skopeo, buildx and the Docker engine against every built-in
// scenario and asserts the line each client's table (package clientlines) gives. It is a nested
// module so that the heavy client libraries stay out of the main go.mod.
//
// Missing clients skip their tests with a loud message on a developer machine and fail them
// when CI=true; .ci/install-clients.sh installs all of them. The Docker engine is the one
// exception: tests that need it skip whenever `docker info` fails.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// workDir is a scratch directory shared by all tests of this run (binaries, images).
var workDir string

// fakeghcr is the binary under test: $FAKEGHCR_BIN, or built from ../cmd/fakeghcr (with -race
// when the tests run with -race).
var fakeghcr struct {
	path string
	err  error
}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fakeghcr-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	workDir = dir

	if p := os.Getenv("FAKEGHCR_BIN"); p != "" {
		fakeghcr.path = p
	} else {
		fakeghcr.path = filepath.Join(dir, "fakeghcr")
		var flags []string
		if raceEnabled {
			flags = append(flags, "-race")
		}
		fakeghcr.err = goBuild("..", fakeghcr.path, "./cmd/fakeghcr", flags...)
	}
	if err := makeImages(filepath.Join(dir, "images")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: making test images:", err)
		return 1
	}
	return m.Run()
}

// goBuild runs `go build [flags] -o out pkg` in dir.
func goBuild(dir, out, pkg string, flags ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (in %s): %w\n%s", pkg, dir, err, b)
	}
	return nil
}

// builtProgram builds a program of this module (./cmd/NAME) once per run and returns its path.
func builtProgram(t testing.TB, name string) string {
	t.Helper()
	programsMu.Lock()
	p, ok := programs[name]
	if !ok {
		p = &program{}
		programs[name] = p
	}
	programsMu.Unlock()
	p.once.Do(func() {
		p.path = filepath.Join(workDir, name)
		p.err = goBuild(".", p.path, "./cmd/"+name)
	})
	if p.err != nil {
		t.Fatalf("building %s: %v", name, p.err)
	}
	return p.path
}

type program struct {
	once sync.Once
	path string
	err  error
}

var (
	programsMu sync.Mutex
	programs   = map[string]*program{}
)
