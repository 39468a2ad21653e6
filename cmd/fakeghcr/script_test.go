package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fakeghcr/fakeghcr/verify"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fakeghcr": func() {
			ctx, stop := signalContext()
			code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// signalContext is main's: the command stops on SIGINT or SIGTERM (the
// scripts' kill).
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// TestScripts runs testdata/*.txtar: each starts `fakeghcr serve` in the
// background and drives it with the CLI and with verify.Client (crane's requests).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile": cmdWaitfile,
			"push":     cmdPush,
			"pull":     cmdPull,
			"httpreq":  cmdHTTPReq,
		},
	})
}

// waitfile FILE [VAR]: wait until FILE exists and is not empty (a server's
// --addr-file), then set VAR to its trimmed content.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [VAR]")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && strings.HasSuffix(string(data), "\n") {
			if len(args) == 2 {
				ts.Setenv(args[1], strings.TrimSpace(string(data)))
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within 30s", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// push SECRET HOST/PACKAGE:TAG and pull SECRET HOST/PACKAGE:TAG play the
// action with verify.Client, in crane's request order (SECRET "-" is anonymous). A refusal is
// printed to stderr as crane prints it, followed by "reason: <reason>".
func cmdPush(ts *testscript.TestScript, neg bool, args []string) { clientCmd(ts, neg, "push", args) }
func cmdPull(ts *testscript.TestScript, neg bool, args []string) { clientCmd(ts, neg, "pull", args) }

func clientCmd(ts *testscript.TestScript, neg bool, action string, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: %s SECRET HOST/PACKAGE:TAG", action)
	}
	secret := args[0]
	if secret == "-" {
		secret = ""
	}
	host, rest, ok := strings.Cut(args[1], "/")
	i := strings.LastIndex(rest, ":")
	if !ok || i < 0 {
		ts.Fatalf("%s: want HOST/PACKAGE:TAG, got %q", action, args[1])
	}
	pkg, tag := rest[:i], rest[i+1:]
	rec := &verify.Recorder{}
	c := verify.Client{Host: host, Secret: secret, Transport: rec}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var digest string
	var err error
	if action == "push" {
		digest, err = c.Push(ctx, pkg, tag)
	} else {
		digest, err = c.Pull(ctx, pkg, tag)
	}
	if err != nil {
		fmt.Fprintf(ts.Stderr(), "Error: %v\n", err)
		if x, ok := rec.Refusal(err); ok && x.Reason != "" {
			fmt.Fprintf(ts.Stderr(), "reason: %s\n", x.Reason)
		}
		if !neg {
			ts.Fatalf("%s %s: %v", action, args[1], err)
		}
		return
	}
	fmt.Fprintf(ts.Stdout(), "%sed %s@%s\n", action, args[1], digest)
	if neg {
		ts.Fatalf("%s %s succeeded, want a refusal", action, args[1])
	}
}

// httpreq [-token T] METHOD URL [BODY]: send a raw request (curl-like) and
// print "status: N" and the body to stdout.
func cmdHTTPReq(ts *testscript.TestScript, neg bool, args []string) {
	token := ""
	if len(args) >= 2 && args[0] == "-token" {
		token, args = args[1], args[2:]
	}
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: httpreq [-token T] METHOD URL [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], args[1], body)
	ts.Check(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "status: %d\n%s", resp.StatusCode, data)
}
