//go:build linux

package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// socketDirs are where the host's daemons keep their sockets (and pid files):
// each that exists is covered by an empty tmpfs inside, so no daemon of the
// host's (Docker, containerd, systemd, D-Bus, an SSH agent under
// /run/user) answers the command. Config.KeepSockets shows single paths again.
var socketDirs = []string{"/run", "/var/run"}

// hiddenDirs are the socketDirs that exist as directories, once each
// (/var/run is most often a link to /run).
func hiddenDirs() []string {
	var out []string
	for _, d := range socketDirs {
		fi, err := os.Lstat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		out = append(out, d)
	}
	return out
}

// under reports whether path is one of dirs or inside one.
func under(path string, dirs []string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

// keptSockets checks the paths to keep: each must exist and lie under a
// hidden directory (elsewhere nothing hides it).
func keptSockets(paths []string) ([]keptPath, error) {
	var out []keptPath
	hidden := hiddenDirs()
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("keeping %s: %w", p, err)
		}
		if !under(real, hidden) || slices.Contains(hidden, real) {
			return nil, fmt.Errorf("keeping %s: only paths inside %s are hidden, and so can be kept", p, strings.Join(hidden, " and "))
		}
		fi, err := os.Stat(real)
		if err != nil {
			return nil, fmt.Errorf("keeping %s: %w", p, err)
		}
		out = append(out, keptPath{Path: real, Dir: fi.IsDir()})
	}
	return out, nil
}
