package main

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestUsableURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr           string
		want           string
		wantEverywhere bool
	}{
		{"127.0.0.1:5000", "http://127.0.0.1:5000", false},
		{"0.0.0.0:5000", "http://127.0.0.1:5000", true},
		{"[::]:5000", "http://127.0.0.1:5000", true},
		{"[::1]:5000", "http://[::1]:5000", false},
		{"192.0.2.7:443", "http://192.0.2.7:443", false},
	} {
		addr, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		got, everywhere := usableURL("http", addr)
		if got != tc.want || everywhere != tc.wantEverywhere {
			t.Errorf("usableURL(%s) = %q, %v; want %q, %v", tc.addr, got, everywhere, tc.want, tc.wantEverywhere)
		}
	}
}

// TestScenarioFileHints: the two ways a mounted scenario file fails in a
// container each say what to do.
func TestScenarioFileHints(t *testing.T) {
	t.Parallel()
	// Docker made a directory where the file was expected.
	dir := filepath.Join(t.TempDir(), "scenario.yaml")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := loadScenario(dir)
	if err == nil || !errors.Is(err, syscall.EISDIR) || !strings.Contains(err.Error(), "Docker creates an empty directory") {
		t.Errorf("loading a directory: %v; want the is-a-directory hint", err)
	}

	// Not readable by the server's user. Root reads any file, so the
	// error is built as os.ReadFile returns it.
	denied := &fs.PathError{Op: "open", Path: "/scenario.yaml", Err: syscall.EACCES}
	err = fileHint("/scenario.yaml", denied)
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "chmod a+r") {
		t.Errorf("permission denied: %v; want the chmod hint", err)
	}

	// Other errors pass unchanged.
	missing := &fs.PathError{Op: "open", Path: "/nope.yaml", Err: syscall.ENOENT}
	if err := fileHint("/nope.yaml", missing); err != missing {
		t.Errorf("missing file: %v, want the error unchanged", err)
	}
}
