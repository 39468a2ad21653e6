//go:build linux

package sandbox_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// treeDigest is every file's path, mode and content digest under dir.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if fi.Mode().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(c))
		}
		fmt.Fprintf(&b, "%s %v %s\n", p, fi.Mode(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// loginScript writes a login into every client's store, as docker login,
// podman login, helm registry login and regctl registry login do.
const loginScript = `set -e
for f in "$DOCKER_CONFIG/config.json" "$REGISTRY_AUTH_FILE" "$HELM_REGISTRY_CONFIG" "$REGCTL_CONFIG"; do
  case "$f" in "$DOCKER_CONFIG"/*) ;; *) echo "$f is not in DOCKER_CONFIG $DOCKER_CONFIG"; exit 1;; esac
  test ! -e "$f" || cat "$f"
  echo '{"auths":{"ghcr.io":{"auth":"c2FuZGJveDpsb2dpbg=="}}}' > "$f"
done`

// TestLoginStoresAreTheSandboxs: the command's login stores are its own;
// the host's home, with a ghcr.io login of its own in every store, is
// byte-for-byte unchanged; Config.DockerConfig keeps the sandbox's login
// for the next run.
func TestLoginStoresAreTheSandboxs(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	host := `{"auths":{"ghcr.io":{"auth":"aG9zdDpyZWFsLWxvZ2lu"}}}`
	for _, p := range []string{".docker/config.json", ".config/containers/auth.json", ".config/helm/registry/config.json", ".regctl/config.json"} {
		if err := os.MkdirAll(filepath.Join(home, filepath.Dir(p)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, p), []byte(host), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := treeDigest(t, home)
	kept := filepath.Join(t.TempDir(), "kept")
	env := append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"),
		"REGISTRY_AUTH_FILE="+filepath.Join(home, ".config/containers/auth.json"))
	for i, dockerConfig := range []string{"", kept, kept} {
		var stdout, stderr strings.Builder
		code, err := sandbox.Run(context.Background(), sandbox.Config{
			Command: []string{"sh", "-c", loginScript}, Handler: hello, Env: env,
			DockerConfig: dockerConfig, Stdout: &stdout, Stderr: &stderr,
		})
		if err != nil || code != 0 {
			t.Fatalf("run %d: exit %d, %v\n%s%s", i, code, err, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "aG9zdDpyZWFsLWxvZ2lu") {
			t.Errorf("run %d: the host's login is visible inside:\n%s", i, stdout.String())
		}
		// The third run sees the second's logins; the first two start empty.
		if got, want := strings.Count(stdout.String(), "c2FuZGJveDpsb2dpbg=="), map[int]int{0: 0, 1: 0, 2: 4}[i]; got != want {
			t.Errorf("run %d: %d earlier sandbox logins visible, want %d:\n%s", i, got, want, stdout.String())
		}
	}
	if after := treeDigest(t, home); after != before {
		t.Errorf("the host's home changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// holdEnv makes this binary run a sandbox of sleep 60, print its run
// directory and wait to be killed.
const holdEnv = "SANDBOX_TEST_HOLD"

func hold() {
	_, err := sandbox.Run(context.Background(), sandbox.Config{
		Command: []string{"sleep", "60"}, Handler: hello,
		Started: func(i sandbox.Info) { fmt.Println(filepath.Dir(i.CAFile)) },
	})
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// TestKilledRunIsSwept: a run killed with SIGKILL leaves its directory; the
// next run removes it, and leaves a live run's alone.
func TestKilledRunIsSwept(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(self(t))
	cmd.Env = append(os.Environ(), holdEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("no run directory from the held run: %v", err)
	}
	killed := strings.TrimSpace(line)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := os.Stat(killed); err != nil {
		t.Fatalf("the killed run's directory is already gone (%v): nothing to sweep", err)
	}
	var live string
	code, err := sandbox.Run(context.Background(), sandbox.Config{
		Command: []string{"true"}, Handler: hello,
		Started: func(i sandbox.Info) { live = filepath.Dir(i.CAFile) },
	})
	if err != nil || code != 0 {
		t.Fatalf("Run: exit %d, %v", code, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(killed)
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed run's directory %s is still there", killed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if live == killed {
		t.Fatal("the same directory twice")
	}
}
