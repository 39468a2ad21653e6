// Command ctrpush16 pushes the image of an OCI layout with containerd v1.6's resolver
// (remotes/docker), the code old BuildKit (v0.10, v0.11) used, and prints the resolver's error
// exactly as it comes back. It also resolves a reference (a pull's first step).
//
//	ctrpush16 version
//	ctrpush16 push [-u USER -p PASSWORD] LAYOUT_DIR REF
//	ctrpush16 resolve [-u USER -p PASSWORD] REF
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"

	"github.com/fakeghcr/fakeghcr/e2e/internal/ocilayout"
)

const module = "github.com/containerd/containerd"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: ctrpush16 version | push [-u USER -p PASSWORD] LAYOUT REF | resolve [-u USER -p PASSWORD] REF")
	}
	if args[0] == "version" {
		fmt.Println(moduleVersion())
		return nil
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	user := fs.String("u", "", "username")
	pass := fs.String("p", "", "password")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	resolver := newResolver(*user, *pass)
	switch {
	case args[0] == "push" && fs.NArg() == 2:
		return push(ctx, resolver, fs.Arg(0), fs.Arg(1))
	case args[0] == "resolve" && fs.NArg() == 1:
		_, desc, err := resolver.Resolve(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Println(desc.Digest)
		return nil
	}
	return fmt.Errorf("bad arguments: %q", args)
}

func newResolver(user, pass string) remotes.Resolver {
	var authOpts []docker.AuthorizerOpt
	if user != "" || pass != "" {
		authOpts = append(authOpts, docker.WithAuthCreds(func(string) (string, string, error) {
			return user, pass, nil
		}))
	}
	return docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(
			docker.WithPlainHTTP(docker.MatchLocalhost),
			docker.WithAuthorizer(docker.NewDockerAuthorizer(authOpts...)),
		),
	})
}

func push(ctx context.Context, resolver remotes.Resolver, dir, ref string) error {
	img, err := ocilayout.Read(dir)
	if err != nil {
		return err
	}
	pusher, err := resolver.Pusher(ctx, ref)
	if err != nil {
		return err
	}
	for _, desc := range append(img.Blobs, img.Manifest) {
		w, err := pusher.Push(ctx, desc)
		if errdefs.IsAlreadyExists(err) {
			continue
		}
		if err != nil {
			return err
		}
		rc, err := img.Open(desc)
		if err != nil {
			w.Close()
			return err
		}
		err = content.Copy(ctx, w, rc, desc.Size, desc.Digest)
		rc.Close()
		if err != nil && !errdefs.IsAlreadyExists(err) {
			return err
		}
	}
	fmt.Println(img.Manifest.Digest)
	return nil
}

func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == module {
				return d.Version
			}
		}
	}
	return "unknown"
}
