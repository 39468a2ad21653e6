// Package registry is fakeghcr's wire: an OCI distribution API that answers
// like ghcr.io, GHCR's token service and challenges, GHCR's exact error
// bytes for every authorization denial, and fakeghcr's admin API under
// /_fakeghcr/.
//
// Every request takes one path: chi routes /token, /v2/* and /_fakeghcr/*
// (a bodiless GET or HEAD under /v2/, every pull, skips the router and goes
// through the same middleware to the same handler); middleware adds a
// request id, recovers panics and logs; a /v2/ request is
// parsed into a repository and an action, its Authorization header is
// resolved to an authz.Principal, authz.Decide answers, and a denial is
// written with GHCR's bytes (the explanation goes to the log and to the
// X-Fakeghcr-* headers, never into the body). Handlers return a *regError
// (or nil) and writeError writes and logs every error, in one place; the
// world itself is edited by authz (World.Apply) and only swapped in here,
// under a lock (requests read the current world without one). Allowed requests reach the
// content store (package storage), which every read and write names the
// repository of.
//
// Known differences from GHCR: blobs are served directly instead of a 307
// redirect to pkg-containers.githubusercontent.com; registry tokens are
// JWTs (GHCR's are opaque); no rate limiting (429); see README.md for the
// full list.
package registry
