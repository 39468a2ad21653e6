//go:build race

package e2e

// raceEnabled: the tests run with -race, so fakeghcr is built with -race too and a data race
// in the server under real clients fails the test that saw it.
const raceEnabled = true
