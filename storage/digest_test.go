package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/storage"
)

func TestParseDigest(t *testing.T) {
	t.Parallel()
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"sha256:" + hex64, false},
		{"sha512:" + hex64 + hex64, false},
		{"sha256:" + strings.ToUpper(hex64), true},
		{"sha256:" + hex64[:63], true},
		{"sha256:" + hex64 + "a", true},
		{"sha256:" + hex64[:63] + "g", true},
		{"sha512:" + hex64, true},
		{"md5:" + hex64, true},
		{"sha384:" + hex64, true},
		{"sha256" + hex64, true},
		{":" + hex64, true},
		{"", true},
		{"sha256:", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			d, err := storage.ParseDigest(tt.in)
			if tt.wantErr {
				if !errors.Is(err, storage.ErrDigestInvalid) {
					t.Fatalf("ParseDigest(%q) = %v, %v; want ErrDigestInvalid", tt.in, d, err)
				}
				return
			}
			if err != nil || d.String() != tt.in {
				t.Fatalf("ParseDigest(%q) = %v, %v", tt.in, d, err)
			}
		})
	}
}
