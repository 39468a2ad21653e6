//go:build race

package registry

// raceEnabled: under the race detector a 1 MB request line costs ~100x
// more to parse, so the retained-bytes tests send fewer requests
// (retainedRequests).
const raceEnabled = true
