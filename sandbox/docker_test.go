//go:build linux

package sandbox_test

import (
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// TestPrivateDockerEngine builds a FROM scratch image with a private dockerd
// started inside, pushes it to ghcr.io (here a plain go-containerregistry
// registry as the handler) and checks what the handler received. It skips
// when not root or when dockerd is missing.
func TestPrivateDockerEngine(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("a private Docker engine needs root")
	}
	for _, tool := range []string{"dockerd", "containerd", "docker"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ctxDir := t.TempDir()
	for name, content := range map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n",
		"hello.txt":  "hello from a sandboxed Docker engine\n",
	} {
		if err := os.WriteFile(filepath.Join(ctxDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr strings.Builder
	code, err := sandbox.Run(t.Context(), sandbox.Config{
		Command: []string{"sh", "-c", `set -e
docker info --format '{{.Driver}}'
DOCKER_BUILDKIT=0 docker build --quiet --tag ghcr.io/acme/hello:v1 "$0" >/dev/null
docker push ghcr.io/acme/hello:v1 | tail -1 | cut -d: -f1
curl -sS https://ghcr.io/v2/acme/hello/tags/list; echo`, ctxDir},
		Handler: ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))),
		Docker:  true,
		Env:     append(os.Environ(), "DOCKER_CONFIG="+t.TempDir()),
		Stdout:  &stdout,
		Stderr:  &stderr,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	want := "vfs\nv1\n" + `{"name":"acme/hello","tags":["v1"]}` + "\n"
	if code != 0 || stdout.String() != want {
		t.Errorf("exit %d, stdout %q, want 0 and %q\nstderr:\n%s", code, stdout.String(), want, stderr.String())
	}
}
