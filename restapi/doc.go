// Package restapi imitates the container part of GitHub's packages REST API
// (https://docs.github.com/rest/packages/packages): listing an owner's
// packages, getting, deleting and restoring a package, and listing,
// getting, deleting and restoring its versions, under /orgs/{org}/,
// /users/{user}/ and /user/. Beside them it serves what `fakeghcr world
// import` reads (repos.go): GET /repos/{owner}/{repo}, its
// /actions/permissions/workflow and GET /users/{username}; any other call
// answers GitHub's 404 "Not Found" at once and is logged with its path.
//
// It answers with GitHub's JSON shapes, status codes and error bodies
// ({"message":"Package not found.","documentation_url":"…","status":"404"}),
// decides access from the same authz world the registry uses, and changes
// the registry's stored content through a small interface: deleting a
// version removes its manifest and the tags pointing at it, so pulls then
// answer 404 MANIFEST_UNKNOWN as on GHCR.
//
// Where it knowingly differs from GitHub:
//   - Pagination Link headers repeat the request's own path; GitHub's use
//     the owner's numeric id (/organizations/{id}/…), which fakeghcr does
//     not serve.
//   - Version ids, created and updated times are fakeghcr's own: ids are
//     handed out in push order, times are those of the push as seen by the
//     server (its start, for content loaded from a scenario).
//   - Only container packages exist; the other package types list nothing.
//
// Rules no public source pins down are marked INFERRED where they are
// written, and always err towards refusing.
package restapi
