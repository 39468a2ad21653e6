package ghcrtest_test

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

func TestWorkflowPush(t *testing.T) {
	srv := ghcrtest.New(t) // in-process on 127.0.0.1, the default world; closed by t.Cleanup
	opts := []remote.Option{remote.WithTransport(srv.Transport()), remote.WithAuth(srv.Authenticator("workflow"))}
	ref, err := name.ParseReference(srv.Ref("acme/api:v1"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}

	err = remote.Write(ref, img, opts...) // DENIED: permission_denied: write_package
	if err == nil {
		t.Fatal("the workflow's push was allowed; GHCR refuses it")
	}
	denial, ok := srv.LastDenial() // the refusal the server recorded, if any
	if !ok {
		t.Fatal("no denial recorded")
	}
	t.Logf("%s: %s; fix: %s", denial.Reason, denial.Explanation, denial.Fix)

	srv.SetActionsAccess("acme/api", "acme/api", authz.RoleWrite) // GitHub's fix
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}
