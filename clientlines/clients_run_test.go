package clientlines_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// client finds a client binary on PATH or in $HOME/go/bin; a missing one
// skips loudly, and fails under CI=true (the e2e suite's rule).
func client(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", name); fileExists(p) {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (.ci/install-clients.sh installs it)", name)
	}
	t.Skipf("SKIP: %s is not installed; the rendered %s lines are not checked against it", name, name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

type clientRun struct {
	bin string
	env []string
}

func (c clientRun) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	return out.String()
}

// lastLine is the client's final error line.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func imageTar(t *testing.T) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "img.tar")
	ref, _ := name.ParseReference("example.com/x:y")
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func answer(r authz.Reason) answers.Answer {
	a, _ := answers.For(r, "acme/api")
	return a
}

// TestCraneLines runs crane against fakeghcr and compares what it prints
// with the lines check renders for it: the seed case's upload POST, the
// blob HEAD of a private package, the manifest GET and a stale password.
func TestCraneLines(t *testing.T) {
	t.Parallel()
	c := clientRun{bin: client(t, "crane"), env: []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}}
	srv := ghcrtest.New(t)
	host, img := srv.Host(), imageTar(t)
	vars := func(tag string, a answers.Answer) clientlines.PrintVars {
		return clientlines.PrintVars{Scheme: "http", Host: host, Repo: "acme/api", Tag: tag, Answer: a}
	}
	c.run(t, "auth", "login", host, "-u", "x", "-p", srv.Secret("workflow"))

	want, _ := clientlines.Print(clientlines.Crane, clientlines.StageUploadPost, vars("v1", answer(authz.DenyActionsAccess)))
	if got := lastLine(c.run(t, "push", img, host+"/acme/api:v1")); got != want {
		t.Errorf("upload POST:\n got %s\nwant %s", got, want)
	}

	want, _ = clientlines.Print(clientlines.Crane, clientlines.StageManifestPut, vars("v9", answer(authz.DenyActionsAccess)))
	if got := lastLine(c.run(t, "tag", host+"/acme/api:latest", "v9")); got != want {
		t.Errorf("manifest PUT:\n got %s\nwant %s", got, want)
	}

	srv.SetVisibility("acme/api", authz.Private)
	got := lastLine(c.run(t, "push", img, host+"/acme/api:v1"))
	pats, err := clientlines.Matchers()
	if err != nil {
		t.Fatal(err)
	}
	matched := false
	for _, p := range pats {
		if p.Wording.Client != clientlines.Crane || p.Wording.Stage != clientlines.StageHeadBlob {
			continue
		}
		if vals, ok := p.Match(got); ok {
			v := vars("v1", answers.Answer{Status: 403})
			v.Digest = vals["digest"]
			if want, _ := clientlines.Print(clientlines.Crane, clientlines.StageHeadBlob, v); got != want {
				t.Errorf("blob HEAD:\n got %s\nwant %s", got, want)
			}
			matched = true
		}
	}
	if !matched {
		t.Errorf("blob HEAD: %q matches no crane head_blob line", got)
	}

	want, _ = clientlines.Print(clientlines.Crane, clientlines.StageManifestGet, vars("latest", answer(authz.DenyWorkflowNoRead)))
	if got := lastLine(c.run(t, "pull", host+"/acme/api:latest", filepath.Join(t.TempDir(), "out.tar"))); got != want {
		t.Errorf("crane pull: manifest GET:\n got %s\nwant %s", got, want)
	}
	// Other crane commands word it differently: diagnose must still
	// recognize them.
	for _, args := range [][]string{{"manifest", host + "/acme/api:latest"}, {"copy", host + "/acme/api:latest", host + "/acme/api:copy"}} {
		got := lastLine(c.run(t, args...))
		if !matches(pats, clientlines.Crane, clientlines.StageManifestGet, got) {
			t.Errorf("crane %s: %q matches no crane manifest_get line", args[0], got)
		}
	}

	c.run(t, "auth", "login", host, "-u", "x", "-p", "ghp_not_a_credential")
	v := vars("v1", answer(authz.DenyBadCredential))
	v.Op = clientlines.Push // crane asks for push,pull
	want, _ = clientlines.Print(clientlines.Crane, clientlines.StageToken, v)
	if got := lastLine(c.run(t, "push", img, host+"/acme/api:v1")); got != want {
		t.Errorf("token:\n got %s\nwant %s", got, want)
	}
}

// TestOrasLine: oras prints GHCR's message at the upload POST.
func TestOrasLine(t *testing.T) {
	t.Parallel()
	c := clientRun{bin: client(t, "oras"), env: []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}}
	srv := ghcrtest.New(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(file, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run(t, "login", "--plain-http", srv.Host(), "-u", "x", "-p", srv.Secret("workflow"))
	cmd := exec.Command(c.bin, "push", "--plain-http", srv.Host()+"/acme/api:art", "hello.txt")
	cmd.Env, cmd.Dir = c.env, dir
	out, _ := cmd.CombinedOutput()
	want, _ := clientlines.Print(clientlines.Oras, clientlines.StageUploadPost, clientlines.PrintVars{Host: srv.Host(), Repo: "acme/api", Answer: answer(authz.DenyActionsAccess)})
	if got := lastLine(string(out)); got != want {
		t.Errorf("oras upload POST:\n got %s\nwant %s", got, want)
	}
}

// TestRegctlLine: regctl prints GHCR's raw body at the upload POST.
func TestRegctlLine(t *testing.T) {
	t.Parallel()
	c := clientRun{bin: client(t, "regctl"), env: []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "REGCTL_CONFIG=" + filepath.Join(t.TempDir(), "regctl.json"), "PATH=" + os.Getenv("PATH")}}
	srv := ghcrtest.New(t)
	host := srv.Host()
	hostOpt := "reg=" + host + ",tls=disabled,user=x,pass=" + srv.Secret("workflow")
	out := c.run(t, "--host", hostOpt, "image", "import", host+"/acme/api:rv1", imageTar(t))
	want, _ := clientlines.Print(clientlines.Regctl, clientlines.StageUploadPost, clientlines.PrintVars{Host: host, Repo: "acme/api", Tag: "rv1", Answer: answer(authz.DenyActionsAccess)})
	if got := lastLine(out); got != want {
		t.Errorf("regctl upload POST:\n got %s\nwant %s", got, want)
	}
}

func matches(pats []clientlines.Matcher, c clientlines.Name, stage clientlines.Stage, line string) bool {
	for _, p := range pats {
		if p.Wording.Client == c && p.Wording.Stage == stage {
			if _, ok := p.Match(line); ok {
				return true
			}
		}
	}
	return false
}

// TestSkopeoLines: skopeo (containers/image) at the upload POST, and a
// private package's blob check, which diagnose must recognize.
func TestSkopeoLines(t *testing.T) {
	t.Parallel()
	c := clientRun{bin: client(t, "skopeo"), env: []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "REGISTRY_AUTH_FILE=" + filepath.Join(t.TempDir(), "auth.json"), "PATH=" + os.Getenv("PATH")}}
	srv := ghcrtest.New(t)
	host, img := srv.Host(), imageTar(t)
	copyTo := func(tag string) string {
		return lastLine(c.run(t, "copy", "--dest-tls-verify=false", "--dest-creds", "x:"+srv.Secret("workflow"), "docker-archive:"+img, "docker://"+host+"/acme/api:"+tag))
	}
	want, _ := clientlines.Print(clientlines.Skopeo, clientlines.StageUploadPost, clientlines.PrintVars{Host: host, Repo: "acme/api", Answer: answer(authz.DenyActionsAccess)})
	got := copyTo("s1")
	msg, ok := fatalMsg(got)
	if !ok || msg != want {
		t.Errorf("skopeo upload POST:\n got %s\nwant msg=%q", got, want)
	}
	srv.SetVisibility("acme/api", authz.Private)
	pats, err := clientlines.Matchers()
	if err != nil {
		t.Fatal(err)
	}
	got = copyTo("s2")
	if !matches(pats, clientlines.Skopeo, clientlines.StageHeadBlob, got) {
		t.Errorf("skopeo blob check of a private package: %q matches no skopeo head_blob line", got)
	}
	// The rendered line, with the digest skopeo tried.
	msg, _ = fatalMsg(got)
	digest, _, _ := strings.Cut(strings.TrimPrefix(msg, "trying to reuse blob "), " ")
	want, _ = clientlines.Print(clientlines.Skopeo, clientlines.StageHeadBlob, clientlines.PrintVars{Host: host, Repo: "acme/api", Digest: digest, Answer: answers.Answer{Status: 403}})
	if msg != want {
		t.Errorf("skopeo blob HEAD:\n got %s\nwant %s", msg, want)
	}
}

// fatalMsg unquotes logrus's msg="..." of a fatal line.
func fatalMsg(line string) (string, bool) {
	_, rest, ok := strings.Cut(line, `level=fatal msg="`)
	if !ok {
		return "", false
	}
	return strings.ReplaceAll(strings.TrimSuffix(rest, `"`), `\"`, `"`), true
}

// TestDockerEngineLines: docker push and pull through the engine (which
// treats 127.0.0.1 registries as insecure).
func TestDockerEngineLines(t *testing.T) {
	t.Parallel()
	bin := client(t, "docker")
	if err := exec.Command(bin, "info").Run(); err != nil {
		t.Skipf("SKIP: no Docker engine (docker info: %v)", err)
	}
	c := clientRun{bin: bin, env: []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}}
	srv := ghcrtest.New(t)
	host := srv.Host()
	if out := c.run(t, "login", host, "-u", "x", "-p", srv.Secret("workflow")); !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("docker login: %s", out)
	}
	// An image the engine has: built FROM scratch, nothing is pulled.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY Dockerfile /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := host + "/acme/api:engine"
	if out := c.run(t, "build", "-q", "-t", ref, dir); strings.Contains(out, "ERROR") || strings.Contains(out, "error") {
		t.Skipf("SKIP: docker build: %s", out)
	}
	t.Cleanup(func() { _ = exec.Command(bin, "rmi", "-f", ref).Run() })
	want, _ := clientlines.Print(clientlines.Docker, clientlines.StageUploadPost, clientlines.PrintVars{Host: host, Repo: "acme/api", Answer: answer(authz.DenyActionsAccess)})
	if got := lastLine(c.run(t, "push", ref)); got != want {
		t.Errorf("docker push:\n got %s\nwant %s", got, want)
	}
	srv.SetVisibility("acme/api", authz.Private)
	want, _ = clientlines.Print(clientlines.Docker, clientlines.StageManifestGet, clientlines.PrintVars{Host: host, Repo: "acme/api", Answer: answer(authz.DenyWorkflowNoRead)})
	if got := lastLine(c.run(t, "pull", host+"/acme/api:latest")); got != want {
		t.Errorf("docker pull:\n got %s\nwant %s", got, want)
	}
}
