package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildkitd is one running BuildKit daemon (OCI worker, native snapshotter, host network),
// reachable at addr. Builds that need no RUN step (FROM scratch + COPY) need no runc run and
// no image pull.
type buildkitd struct {
	addr    string // unix:///.../buildkitd.sock
	logPath string
}

// startBuildkitd starts buildkitd with its own root and socket, configured for plain HTTP to
// registryHost, waits until it answers and stops it when the test ends. It needs root.
func startBuildkitd(t *testing.T, registryHost string) *buildkitd {
	t.Helper()
	bin := needTool(t, "buildkitd", installHint+" buildkit")
	buildctl := needTool(t, "buildctl", installHint+" buildkit")
	needTool(t, "runc", installHint+" apt")
	if os.Geteuid() != 0 {
		t.Skip("buildkitd runs as root here (rootless BuildKit is not set up); skipped")
	}
	// A short directory: the socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "bk-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &buildkitd{
		addr:    "unix://" + filepath.Join(dir, "buildkitd.sock"),
		logPath: filepath.Join(dir, "buildkitd.log"),
	}
	config := fmt.Sprintf(`root = %q

[grpc]
  address = [%q]

[worker.oci]
  enabled = true
  snapshotter = "native"
  networkMode = "host"
  gc = false

[worker.containerd]
  enabled = false

[registry.%q]
  http = true
`, filepath.Join(dir, "root"), b.addr, registryHost)
	configPath := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(b.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--config", configPath)
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting buildkitd: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("buildkitd (pid %d) ignored SIGTERM for 15s; killing it", cmd.Process.Pid)
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("buildkitd output:\n%s", b.logTail())
		}
	})

	// Ready when buildctl lists the worker.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, buildctl, "--addr", b.addr, "debug", "workers").CombinedOutput()
		cancel()
		if err == nil {
			break
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("buildkitd exited: %v\n%s", err, b.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("buildkitd not ready after 60s: %v: %s\n%s", err, out, b.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return b
}

func (b *buildkitd) logTail() string {
	out, err := os.ReadFile(b.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 16 << 10
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return string(out)
}

// writeDockerAuth writes $DOCKER_CONFIG/config.json with one registry's credentials, as
// `docker login` would (buildx hands them to buildkitd over the session).
func writeDockerAuth(t testing.TB, env []string, host, user, password string) {
	t.Helper()
	var dockerConfig string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DOCKER_CONFIG="); ok {
			dockerConfig = v
		}
	}
	if dockerConfig == "" {
		t.Fatal("no DOCKER_CONFIG in the client's environment")
	}
	auth := base64Std(user + ":" + password)
	config := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}
