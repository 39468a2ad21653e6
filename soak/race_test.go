//go:build race

package soak_test

// raceEnabled: the race detector's shadow memory makes RSS say nothing
// about the store, so the memory bound is checked on the Go heap instead.
const raceEnabled = true
