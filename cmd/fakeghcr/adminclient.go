package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
)

// defaultServer is where the admin commands look for a running fakeghcr.
const defaultServer = "http://127.0.0.1:5000"

// serverFlags are the flags of every command that talks to a running
// server's admin API.
type serverFlags struct {
	server, adminToken string
	timeout            time.Duration
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.server, "server", defaultServer, "base URL of the running fakeghcr")
	fs.StringVar(&f.adminToken, "admin-token", "", "the server's admin token (fakeghcr serve --admin-token)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "how long to wait for the server")
}

func (f *serverFlags) client() *adminClient {
	base := strings.TrimSuffix(f.server, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &adminClient{base: base, token: f.adminToken, http: &http.Client{Timeout: f.timeout}}
}

// adminClient speaks to /_fakeghcr/ of a running server.
type adminClient struct {
	base, token string
	http        *http.Client
}

// adminError is the server's refusal of an admin request.
type adminError struct {
	Status        int
	Code, Message string
}

func (e *adminError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return e.Message
}

// do sends one admin request; in (if not nil) is sent as JSON, and a 200
// answer is decoded into out (if not nil) or copied to a writer.
func (a *adminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+registry.AdminPrefix+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach fakeghcr at %s (is `fakeghcr serve` running? --server / FAKEGHCR_SERVER): %w", a.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return refusal(resp.StatusCode, data)
	}
	switch o := out.(type) {
	case nil:
	case io.Writer:
		_, err = o.Write(data)
	default:
		err = json.Unmarshal(data, out)
	}
	return err
}

// refusal reads the registry error envelope of an admin answer.
func refusal(status int, body []byte) error {
	var env struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 {
		return &adminError{Status: status, Code: env.Errors[0].Code, Message: env.Errors[0].Message}
	}
	return &adminError{Status: status, Message: strings.TrimSpace(fmt.Sprintf("%d %s %s", status, http.StatusText(status), body))}
}

// apply posts one change.
func (a *adminClient) apply(ctx context.Context, c registry.Change) error {
	return a.do(ctx, http.MethodPost, "/changes", c, nil)
}

// decisions reads the server's recent decisions, newest first.
func (a *adminClient) decisions(ctx context.Context) ([]registry.Record, error) {
	var out struct {
		Decisions []registry.Record `json:"decisions"`
	}
	if err := a.do(ctx, http.MethodGet, "/decisions", nil, &out); err != nil {
		return nil, err
	}
	return out.Decisions, nil
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`access add acme/api acme/api --role write`),
// fills the rest from FAKEGHCR_* variables, and returns the positional
// arguments. code is -1 to go on, or the exit code.
func parseArgs(fs *flag.FlagSet, env *cliEnv, args []string) (positional []string, code int) {
	var flags []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // Parse reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if code := parseFlags(fs, env, append(append(flags, "--"), positional...)); code >= 0 {
		return nil, code
	}
	return fs.Args(), -1
}

// wantArgs checks the number of positional arguments.
func wantArgs(env *cliEnv, fs *flag.FlagSet, args []string, names ...string) bool {
	if len(args) == len(names) {
		return true
	}
	fmt.Fprintf(env.stderr, "fakeghcr %s: want %d argument(s): %s; got %d\n", fs.Name(), len(names), strings.Join(names, " "), len(args))
	return false
}

// fail prints err for a command and returns exit code 1.
func fail(env *cliEnv, name string, err error) int {
	var ae *adminError
	if errors.As(err, &ae) {
		fmt.Fprintf(env.stderr, "fakeghcr %s: %d %s\n", name, ae.Status, ae.Message)
		return 1
	}
	fmt.Fprintf(env.stderr, "fakeghcr %s: %v\n", name, err)
	return 1
}
