//go:build linux

package sandbox_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// refusedEnv marks the run of this binary where the kernel refuses user namespaces.
const refusedEnv = "SANDBOX_TEST_REFUSED"

// copySelf copies this test binary where any user can run it.
func copySelf(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := filepath.Join(dir, "sandbox.test")
	dst, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAsNobody runs this package's serving and isolation tests as the user
// nobody: the sandbox is then made with a user namespace (the inner tests
// check that it was).
func TestAsNobody(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("not root: the other tests already ran without CAP_SYS_ADMIN")
	}
	if os.Getenv(nonRootEnv) == "1" {
		t.Skip("already nobody")
	}
	bin := copySelf(t)
	cmd := exec.Command(bin, "-test.run", "^(TestServesHostsOverTLS|TestNothingElseIsReachable|TestExitStatus|TestDockerNeedsRoot|TestAttemptsToLeaveFail|TestLeftoversAreStopped)$", "-test.v")
	cmd.Env = append(os.Environ(), nonRootEnv+"=1", "HOME=/tmp")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests as nobody failed: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestServesHostsOverTLS/curl", "--- PASS: TestServesHostsOverTLS/go", "--- PASS: TestNothingElseIsReachable", "--- PASS: TestDockerNeedsRoot", "--- PASS: TestAttemptsToLeaveFail", "--- PASS: TestLeftoversAreStopped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("as nobody: no %q in\n%s", want, out)
		}
	}
}

// TestUserNamespaceRefused runs this binary without capabilities in a user
// namespace whose limit of nested user namespaces is 0 (the host's own
// setting is untouched): Run must say what the kernel refused and why.
func TestUserNamespaceRefused(t *testing.T) {
	t.Parallel()
	if os.Getenv(refusedEnv) == "1" {
		_, err := sandbox.Run(context.Background(), sandbox.Config{Command: []string{"true"}, Handler: hello})
		for _, want := range []string{
			"sandbox: not root, and the kernel refused a user namespace (",
			"user.max_user_namespaces = 0 (needs more than 0)",
		} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Run: %v\nwant an error containing %q", err, want)
			}
		}
		t.Log(err)
		return
	}
	for _, tool := range []string{"unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (util-linux) is not installed", tool)
		}
	}
	bin := copySelf(t)
	cmd := exec.Command("unshare", "--user", "--map-root-user", "sh", "-c",
		`echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "$0" -test.run '^TestUserNamespaceRefused$' -test.v`, bin)
	cmd.Env = append(os.Environ(), refusedEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestUserNamespaceRefused") {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestDockerNeedsRoot: without CAP_SYS_ADMIN, Config.Docker is refused up front (TestAsNobody
// runs it as nobody; as root it checks nothing and skips).
func TestDockerNeedsRoot(t *testing.T) {
	t.Parallel()
	if os.Getuid() == 0 {
		t.Skip("root: runs as nobody in TestAsNobody")
	}
	_, err := sandbox.Run(context.Background(), sandbox.Config{Command: []string{"true"}, Handler: hello, Docker: true})
	want := "sandbox: a private Docker engine needs root (CAP_SYS_ADMIN): dockerd does not run in an unprivileged user namespace"
	if err == nil || err.Error() != want {
		t.Errorf("Run with Docker as uid %d: %v, want %q", os.Getuid(), err, want)
	}
}
