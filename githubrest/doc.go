// Package githubrest is a small client of GitHub's REST API for what
// fakeghcr models, and Import, which writes what it reads as a world in the
// scenario format: an owner's container packages (visibility, linked
// repository), whether the owner is a user or an organization, its
// repositories' visibility and default workflow token permissions.
//
// It reads
//
//	GET /orgs/{org}/packages?package_type=container   (or /users/{user}/packages)
//	GET /repos/{owner}/{repo}
//	GET /repos/{owner}/{repo}/actions/permissions/workflow
//
// paginated (per_page=100, following Link rel="next"), honouring GitHub's
// rate limits as https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
// asks: after a 403 or 429 with x-ratelimit-remaining: 0 it waits until
// x-ratelimit-reset, after one with retry-after it waits that long, after a
// 429 with neither it waits a minute; with x-ratelimit-remaining: 0 on a
// success it waits before the next request.
//
// What the API does not tell (a package's Manage Actions access, its
// inheritance switch and per-user roles, an organization's members and
// settings, and what the token may not read) is marked unknown in the
// world (scenarios.Unknown), never guessed.
//
// Where it knowingly differs from a full import: the package listing
// already carries each package's visibility and repository, so no package
// is fetched one by one; internal repositories the token cannot read come
// back with visibility unknown.
package githubrest
