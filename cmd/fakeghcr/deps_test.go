package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNoRegistryClientLibraries: every start of the binary pays the package
// init of all it links, and go-containerregistry's remote client (with
// go-digest's regexps, image-spec, klauspost/compress, docker/cli's config,
// logrus) cost ~1.5 ms of it. verify speaks the protocol itself; these
// must not come back into the binary.
func TestNoRegistryClientLibraries(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go tool is not on PATH under CI=true: cannot list the binary's dependencies")
		}
		t.Skip("SKIPPED: the go tool is not on PATH: cannot list the binary's dependencies")
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"github.com/opencontainers/go-digest",
		"github.com/opencontainers/image-spec",
		"github.com/klauspost/compress",
		"github.com/docker/cli",
		"github.com/docker/docker-credential-helpers",
		"github.com/sirupsen/logrus",
		"github.com/google/go-containerregistry/pkg/name",
		"github.com/google/go-containerregistry/pkg/authn",
		"github.com/google/go-containerregistry/pkg/v1/remote",
	}
	for pkg := range strings.Lines(string(out)) {
		pkg = strings.TrimSpace(pkg)
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f+"/") {
				t.Errorf("cmd/fakeghcr links %s (its package init costs every start of the binary)", pkg)
			}
		}
	}
}
