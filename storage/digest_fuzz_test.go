package storage

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// FuzzParseDigest: ParseDigest's shortcut for sha256 gives what the general
// parser (go-containerregistry's v1.NewHash behind the length check) gives,
// digest and error alike, for any input.
func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{
		"sha256:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("0", 63),
		"sha256:" + strings.Repeat("f", 65), "sha512:" + strings.Repeat("1", 128), "sha256:", ":", "", "sha256:g" + strings.Repeat("0", 63),
		"sha256:" + strings.Repeat("0", 32) + ":" + strings.Repeat("0", 31), "SHA256:" + strings.Repeat("b", 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := ParseDigest(s)
		want, wantErr := v1.NewHash(s)
		if len(s) > maxEcho {
			want, wantErr = Digest{}, ErrDigestInvalid
		}
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Fatalf("ParseDigest(%q) = %v, %v; the general parser: %v, %v", s, got, gotErr, want, wantErr)
		}
		if gotErr != nil && !errors.Is(gotErr, ErrDigestInvalid) {
			t.Fatalf("ParseDigest(%q): %v is not ErrDigestInvalid", s, gotErr)
		}
	})
}
