// Package soak holds fakeghcr's soak test: many clients pushing and pulling
// against one server for a while, with world changes in between, then
// checks that nothing was lost or corrupted and that memory, goroutines and
// file descriptors came back. It has no code of its own:
//
//	go test -race ./soak                 # the CI length (about 40 s of load)
//	go test ./soak -soak 10m             # longer
//	go test -short ./soak                # a few seconds
package soak
