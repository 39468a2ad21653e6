//go:build !linux

package sandbox

import (
	"context"
	"errors"
)

// IsChild reports false: sandboxes exist on Linux only.
func IsChild() bool { return false }

// ChildMain is never called off Linux.
func ChildMain() {}

// Run fails: network and mount namespaces are Linux's.
func Run(ctx context.Context, cfg Config) (int, error) {
	return -1, errors.New("sandbox: needs Linux (network and mount namespaces)")
}
