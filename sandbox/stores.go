//go:build linux

package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
)

// ClientStores are the variables that point each registry client's login
// store into dir, so that a login inside the sandbox never writes the
// host's: docker, buildx, crane, oras and regclient's docker fallback read
// DOCKER_CONFIG (dir/config.json); podman, skopeo and buildah read
// REGISTRY_AUTH_FILE; helm reads HELM_REGISTRY_CONFIG; regctl reads
// REGCTL_CONFIG. Each client keeps its own file, so no client rewrites
// another's (containers/image, for one, drops the keys it does not know).
func ClientStores(dir string) []string {
	return []string{
		"DOCKER_CONFIG=" + dir,
		"REGISTRY_AUTH_FILE=" + filepath.Join(dir, "containers-auth.json"),
		"HELM_REGISTRY_CONFIG=" + filepath.Join(dir, "helm-registry.json"),
		"REGCTL_CONFIG=" + filepath.Join(dir, "regctl.json"),
	}
}

// storeVars are the variables ClientStores sets: the caller's are replaced.
var storeVars = []string{"DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "HELM_REGISTRY_CONFIG", "REGCTL_CONFIG"}

// prepareDockerConfig makes dir (0700) when missing. The docker CLI looks
// for its plugins (buildx, compose) under DOCKER_CONFIG/cli-plugins first:
// when dir has none, it links to the caller's, so `docker buildx` still
// works. hostConfig is the caller's docker configuration directory.
func prepareDockerConfig(dir, hostConfig string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("the docker configuration directory: %w", err)
	}
	plugins := filepath.Join(dir, "cli-plugins")
	if _, err := os.Lstat(plugins); err == nil || hostConfig == "" {
		return nil
	}
	hostPlugins := filepath.Join(hostConfig, "cli-plugins")
	if fi, err := os.Stat(hostPlugins); err == nil && fi.IsDir() {
		if err := os.Symlink(hostPlugins, plugins); err != nil {
			return fmt.Errorf("linking the docker CLI plugins: %w", err)
		}
	}
	return nil
}

// hostDockerConfig is the caller's docker configuration directory:
// DOCKER_CONFIG in env, or ~/.docker.
func hostDockerConfig(env []string) string {
	home := ""
	for _, kv := range env {
		k, v, _ := cutEnv(kv)
		switch k {
		case "DOCKER_CONFIG":
			if v != "" {
				return v
			}
		case "HOME":
			home = v
		}
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".docker")
}
