// Package ghcrtest runs fakeghcr inside a Go test: an in-process imitation of
// GitHub Container Registry (ghcr.io), in the style of net/http/httptest.
//
// It is for testing code that pushes to or pulls from ghcr.io (a release tool,
// a CI helper, a deploy step) against GHCR's permission model: the test starts
// a registry on 127.0.0.1 in about a millisecond, with a world of owners,
// repositories, packages and credentials; the code under test gets GHCR's exact
// 401/403 answers; the test reads why a request was refused (Decisions,
// LastDenial), changes a package setting the way a user would on github.com
// (SetActionsAccess, SetVisibility, RevokeCredential, ...) and checks that the
// code now succeeds.
//
//	func TestPublish(t *testing.T) {
//		srv := ghcrtest.New(t) // the default world: the 2022 seed case
//		opts := []remote.Option{
//			remote.WithTransport(srv.Transport()),
//			remote.WithAuth(srv.Authenticator("workflow")), // a GITHUB_TOKEN, packages: write
//		}
//		ref, _ := name.ParseReference(srv.Ref("acme/api:v1"))
//		err := remote.Write(ref, img, opts...)
//		// err: POST http://127.0.0.1:PORT/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package
//		t.Log(srv.LastDenial()) // reason actions_access_missing, and the setting that fixes it
//
//		srv.SetActionsAccess("acme/api", "acme/api", authz.RoleWrite)
//		err = remote.Write(ref, img, opts...) // nil
//	}
//
// With WithTLS the registry serves HTTPS for ghcr.io itself: Transport and
// Client trust an in-process CA and dial the fixture for ghcr.io:443, so code
// that hard-codes ghcr.io/OWNER/NAME references runs unchanged.
//
// The server is the same registry.Server that `fakeghcr serve` and the
// container run, built from the same registry.Options. Its answers therefore
// differ from GHCR's exactly where fakeghcr's do (see registry's package doc
// and the README). Specific to this package: the admin API under /_fakeghcr/
// is off unless WithAdminToken is given (the methods replace it), and the
// Transport reaches nothing but the fixture: a request for any other host
// fails with ErrOutsideFixture instead of reaching the network.
package ghcrtest
