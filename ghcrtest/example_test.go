package ghcrtest_test

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// exampleT stands in for the *testing.T that a test passes to New and an
// example does not have.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (*exampleT) Log(...any)                        {} // keep the server's log out of the Output
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// push writes a small random image to ref as the credential called cred.
func push(srv *ghcrtest.Server, ref, cred string) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	img, err := random.Image(256, 1)
	if err != nil {
		return err
	}
	return remote.Write(r, img, remote.WithTransport(srv.Transport()), remote.WithAuth(srv.Authenticator(cred)))
}

// The default world is the 2022 case: a workflow's GITHUB_TOKEN with
// packages: write is refused on a package first pushed with a personal
// access token, and the server says which rule refused it and which setting
// would allow it.
func ExampleNew() {
	t := &exampleT{} // in a test: t *testing.T
	defer t.done()

	srv := ghcrtest.New(t)
	err := push(srv, srv.Ref("acme/api:v1"), "workflow")
	fmt.Println(strings.ReplaceAll(err.Error(), srv.Host(), "HOST"))

	denial, _ := srv.LastDenial()
	fmt.Println(denial.Status, denial.Reason)
	// denial.Explanation and denial.Fix say, in words, that acme/api is not
	// in the package's Manage Actions access, and where to add it.
	// Output:
	// POST http://HOST/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package
	// 403 actions_access_missing
}

func ExampleServer_SetActionsAccess() {
	t := &exampleT{}
	defer t.done()

	srv := ghcrtest.New(t, ghcrtest.WithScenarioFile("testdata/seed.yaml"))
	ref := srv.Ref("acme/api:v1")
	err := push(srv, ref, "workflow")
	fmt.Println("before:", strings.ReplaceAll(err.Error(), srv.Host(), "HOST"))

	srv.SetActionsAccess("acme/api", "acme/api", authz.RoleWrite)
	fmt.Println("after:", push(srv, ref, "workflow"))
	// Output:
	// before: POST http://HOST/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package
	// after: <nil>
}

// With WithTLS, code that names ghcr.io runs unchanged: the transport trusts
// the fixture's CA and dials the fixture for ghcr.io.
func ExampleNew_tls() {
	t := &exampleT{}
	defer t.done()

	srv := ghcrtest.New(t, ghcrtest.WithTLS(), ghcrtest.WithScenarioFile("testdata/seed.yaml"))
	fmt.Println(srv.Ref("acme/api:v1"))
	fmt.Println(push(srv, "ghcr.io/acme/api:v1", "workflow"))
	fmt.Println(push(srv, "ghcr.io/acme/api:v1", "alice"))

	resp, err := srv.Client().Get("https://ghcr.io/v2/")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// ghcr.io/acme/api:v1
	// POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package
	// <nil>
	// 401 Unauthorized Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"
}
