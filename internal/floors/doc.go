// Package floors holds one test: it keeps every package on its floor, as
// ARCHITECTURE.md draws them (what reads and decides never speaks HTTP; what
// scenario files embed uses the standard library only; restapi stays beside
// registry). It has no code of its own.
package floors
