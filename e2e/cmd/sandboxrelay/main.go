// Command sandboxrelay runs commands on request inside a fakeghcr sandbox,
// so that a test outside can drive many clients against one sandboxed
// fakeghcr and change its world between them. It is the sandbox's command:
//
//	fakeghcr sandbox ... -- sandboxrelay SOCKET
//
// It serves HTTP on the unix socket SOCKET (a path on the shared filesystem,
// reachable from outside although the sandbox has its own network):
//
//	POST /run   {"argv":[...],"env":[...],"dir":"","stdin":""} -> {"stdout":"","stderr":"","code":0}
//	            ("tee":"FILE" also appends stdout and stderr to FILE as they arrive)
//	POST /start {"argv":[...],"env":[...],"log":"FILE"}         -> {"pid":N} (runs in the background)
//	POST /exit  {"code":N}                                       -> the relay stops background
//	                                                               processes and exits with N
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

type runRequest struct {
	Argv  []string `json:"argv"`
	Env   []string `json:"env"` // added to the relay's environment
	Dir   string   `json:"dir"`
	Stdin string   `json:"stdin"`
	Log   string   `json:"log"` // /start: stdout and stderr go here
	Tee   string   `json:"tee"` // /run: stdout and stderr are also appended here as they arrive
}

type runResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
	Error  string `json:"error,omitempty"`
	Pid    int    `json:"pid,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sandboxrelay SOCKET")
		os.Exit(2)
	}
	os.Exit(serve(os.Args[1]))
}

func serve(socket string) int {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandboxrelay:", err)
		return 1
	}
	var (
		mu   sync.Mutex
		bg   []*exec.Cmd
		exit = make(chan int, 1)
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /run", func(w http.ResponseWriter, r *http.Request) {
		var req runRequest
		if !decode(w, r, &req) {
			return
		}
		cmd := command(r.Context(), req)
		cmd.Stdin = strings.NewReader(req.Stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if req.Tee != "" {
			f, err := os.OpenFile(req.Tee, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				reply(w, runResponse{Code: -1, Error: err.Error()})
				return
			}
			defer f.Close()
			cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, f), io.MultiWriter(&stderr, f)
		}
		resp := runResponse{Code: -1}
		err := cmd.Run()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			resp.Code = 0
		case errors.As(err, &exitErr):
			resp.Code = exitErr.ExitCode()
		default:
			resp.Error = err.Error()
		}
		resp.Stdout, resp.Stderr = stdout.String(), stderr.String()
		reply(w, resp)
	})
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, r *http.Request) {
		var req runRequest
		if !decode(w, r, &req) {
			return
		}
		cmd := command(context.Background(), req)
		if req.Log != "" {
			f, err := os.Create(req.Log)
			if err != nil {
				reply(w, runResponse{Code: -1, Error: err.Error()})
				return
			}
			defer f.Close()
			cmd.Stdout, cmd.Stderr = f, f
		}
		if err := cmd.Start(); err != nil {
			reply(w, runResponse{Code: -1, Error: err.Error()})
			return
		}
		go func() { _ = cmd.Wait() }()
		mu.Lock()
		bg = append(bg, cmd)
		mu.Unlock()
		reply(w, runResponse{Pid: cmd.Process.Pid})
	})
	mux.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Code int `json:"code"`
		}
		if !decode(w, r, &req) {
			return
		}
		reply(w, runResponse{})
		exit <- req.Code
	})
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	code := <-exit
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	mu.Lock()
	defer mu.Unlock()
	for _, cmd := range bg {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range bg {
		for i := 0; i < 150 && cmd.Process.Signal(syscall.Signal(0)) == nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
	}
	return code
}

func command(ctx context.Context, req runRequest) *exec.Cmd {
	cmd := exec.CommandContext(ctx, req.Argv[0], req.Argv[1:]...)
	cmd.Env = append(os.Environ(), req.Env...)
	cmd.Dir = req.Dir
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
