//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// homeDigest is every file's path, mode and content digest under dir.
func homeDigest(t *testing.T, dir string) string {
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

// TestSandboxLoginsStayInside: real clients log in to ghcr.io inside `fakeghcr sandbox` while
// the user's home holds a ghcr.io login of its own in docker's and containers' stores (as it did
// when a `crane auth login` inside replaced the user's entry in ~/.docker/config.json); the
// home is byte-for-byte unchanged after. With --docker-config DIR, the next run finds the
// sandbox's login there.
func TestSandboxLoginsStayInside(t *testing.T) {
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	crane := needTool(t, "crane", installHint+" crane")
	oras := needTool(t, "oras", installHint+" oras")
	skopeo := needTool(t, "skopeo", installHint+" apt")
	home := t.TempDir()
	hostLogin := `{"auths":{"ghcr.io":{"auth":"aG9zdC11c2VyOmdob19ob3N0X3JlYWxfdG9rZW4="}}}` + "\n"
	for _, p := range []string{".docker/config.json", ".config/containers/auth.json"} {
		if err := os.MkdirAll(filepath.Join(home, filepath.Dir(p)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, p), []byte(hostLogin), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := homeDigest(t, home)
	scenario, err := filepath.Abs("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// HOME is the user's; DOCKER_CONFIG and REGISTRY_AUTH_FILE name the user's stores, as a
	// shell profile may.
	env := []string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"),
		"REGISTRY_AUTH_FILE=" + filepath.Join(home, ".config/containers/auth.json")}
	login := fmt.Sprintf(`set -e
%[1]s auth login ghcr.io -u x-access-token -p %[4]s
%[2]s login ghcr.io -u x-access-token -p %[4]s
%[3]s login -u x-access-token -p %[4]s ghcr.io
echo ghcr.io | %[1]s auth get`, crane, oras, skopeo, workflowToken)
	kept := filepath.Join(t.TempDir(), "kept")

	r := command{env: env}.run(t, fakeghcr.path, "sandbox", "--scenario", scenario, "--", "sh", "-c", login)
	wantOK(t, r)
	if !strings.Contains(r.Stdout, `"Secret":"`+workflowToken+`"`) {
		t.Errorf("inside, crane does not read the login it just made:\n%s", r.Stdout)
	}
	if after := homeDigest(t, home); after != before {
		t.Errorf("a login inside the sandbox changed the user's home:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// --docker-config keeps the sandbox's login for the next run.
	wantOK(t, command{env: env}.run(t, fakeghcr.path, "sandbox", "--scenario", scenario, "--docker-config", kept, "--",
		crane, "auth", "login", "ghcr.io", "-u", "x-access-token", "-p", workflowToken))
	r = command{env: env, stdin: "ghcr.io\n"}.run(t, fakeghcr.path, "sandbox", "--scenario", scenario, "--docker-config", kept, "--", crane, "auth", "get")
	wantOK(t, r)
	if !strings.Contains(r.Stdout, `"Secret":"`+workflowToken+`"`) {
		t.Errorf("the next run does not find the kept login:\n%s", r.Stdout)
	}
	// Without it, the next run starts with no login (the user's is not read either).
	r = command{env: env, stdin: "ghcr.io\n"}.run(t, fakeghcr.path, "sandbox", "--scenario", scenario, "--", crane, "auth", "get")
	if r.Code == 0 || strings.Contains(r.Output(), "Secret") {
		t.Errorf("a fresh run found a login: exit %d\n%s", r.Code, r.Output())
	}
	if after := homeDigest(t, home); after != before {
		t.Errorf("the user's home changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestSandboxCommandCannotUndoIt runs util-linux's umount, curl on the host's Docker socket,
// and a daemon left behind inside `fakeghcr sandbox`, as root and as nobody: each attempt
// fails, and the daemon is stopped with a message naming it.
func TestSandboxCommandCannotUndoIt(t *testing.T) {
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	if os.Geteuid() != 0 {
		t.Skip("runs as root and as nobody: needs root")
	}
	needTool(t, "umount", "apt-get install -y mount")
	needTool(t, "curl", "apt-get install -y curl")
	// fakeghcr's binary, where nobody can run it.
	dir, err := os.MkdirTemp("", "sbx-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fakeghcr")
	b, err := os.ReadFile(fakeghcr.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `umount /etc/hosts && echo "umount /etc/hosts WORKED"
umount -l /run && echo "umount /run WORKED"
umount -l /etc/ssl/certs/ca-certificates.crt && echo "umount the CA bundle WORKED"
curl -sS --max-time 3 --unix-socket /var/run/docker.sock http://docker/_ping && echo "docker socket WORKED"
grep -q fakeghcr /etc/hosts || echo "the host's /etc/hosts is visible"
sleep 1234 &
echo "uid $(id -u)"`
	for _, as := range []struct {
		name string
		cred *syscall.Credential
	}{{"root", nil}, {"nobody", &syscall.Credential{Uid: 65534, Gid: 65534}}} {
		t.Run(as.name, func(t *testing.T) {
			r := runAs(t, as.cred, bin, "sandbox", "--explain=false", "--", "sh", "-c", script)
			wantOK(t, r)
			if strings.Contains(r.Output(), "WORKED") || strings.Contains(r.Output(), "is visible") {
				t.Errorf("an attempt got through:\n%s", r.Output())
			}
			wantLines(t, r.Stderr, r.Stdout, []string{"uid 0"})
			if !strings.Contains(r.Stderr, "sandbox: the command left 1 process(es) running; stopping them: sleep (pid ") {
				t.Errorf("no message about the sleep left running:\n%s", r.Stderr)
			}
		})
	}
}

// runAs runs name with args as cred (nil: this process's user), in /, with a clean environment.
func runAs(t *testing.T, cred *syscall.Credential, name string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = "/"
	cmd.Env = append(cleanEnv(), "HOME=/tmp")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := runResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode(), Err: err}
	t.Logf("$ %s %s\nexit %d\n%s", filepath.Base(name), strings.Join(args, " "), r.Code, indent(r.Output()))
	return r
}
