package storage

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Digest identifies content: an algorithm and the lower-case hex of the
// content's hash, "sha256:<64 hex>". It is go-containerregistry's v1.Hash, so
// the HTTP layer and image code share one type. A Digest is comparable and
// works as a map key.
type Digest = v1.Hash

// Digest algorithms the store accepts.
const (
	algSHA256 = "sha256"
	algSHA512 = "sha512"
)

// ParseDigest parses "algorithm:hex". It accepts sha256 and sha512 with the
// exact number of lower-case hex digits; anything else is an error that
// errors.Is ErrDigestInvalid.
func ParseDigest(s string) (Digest, error) {
	if hex, ok := strings.CutPrefix(s, algSHA256+":"); ok && len(hex) == 2*sha256.Size && lowerHex(hex) {
		// The common case, without the general parser's allocations (it
		// makes a hasher to learn the length): the same Digest.
		return Digest{Algorithm: algSHA256, Hex: hex}, nil
	}
	if len(s) > maxEcho {
		// Longer than sha512's 135 characters. Not parsed: the parser's
		// error would quote s once more.
		return Digest{}, fmt.Errorf("%w: %s: longer than any digest", ErrDigestInvalid, quoted(s))
	}
	d, err := v1.NewHash(s)
	if err != nil {
		return Digest{}, fmt.Errorf("%w: %s: %w", ErrDigestInvalid, quoted(s), err)
	}
	return d, nil
}

// lowerHex reports whether s is lower-case hex digits only.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkDigest validates a Digest built by hand rather than by ParseDigest.
func checkDigest(d Digest) error {
	if d.Algorithm != algSHA256 && d.Algorithm != algSHA512 {
		return fmt.Errorf("%w: unsupported algorithm %q", ErrDigestInvalid, d.Algorithm)
	}
	_, err := ParseDigest(d.String())
	return err
}

// newHasher returns a hash for a supported algorithm (see checkDigest).
func newHasher(alg string) hash.Hash {
	if alg == algSHA512 {
		return sha512.New()
	}
	return sha256.New()
}

// digestFromHash returns the Digest of what h has consumed so far, without
// disturbing h.
func digestFromHash(alg string, h hash.Hash) Digest {
	return Digest{Algorithm: alg, Hex: hex.EncodeToString(h.Sum(nil))}
}

// sha256Digest hashes b.
func sha256Digest(b []byte) Digest {
	sum := sha256.Sum256(b)
	return Digest{Algorithm: algSHA256, Hex: hex.EncodeToString(sum[:])}
}
