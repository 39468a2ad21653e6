package registry

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestIssuedTokensBoundedByBytes: the tokens remembered for fast
// verification never hold more than maxIssuedBytes, however large the
// tokens; a token not remembered still verifies, by parsing.
func TestIssuedTokensBoundedByBytes(t *testing.T) {
	t.Parallel()
	ti, err := newTokenIssuer("fakeghcr", time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var access []grant
	for i := range MaxTokenScopes {
		access = append(access, grant{Type: "repository", Name: fmt.Sprintf("alice/%s-%d", strings.Repeat("p", 200), i), Actions: []string{"pull", "push"}})
	}
	last, err := ti.mint("cred-0", "nonce", access)
	if err != nil {
		t.Fatal(err)
	}
	n := maxIssuedBytes/tokenBytes(last, &tokenClaims{Access: access}) + 20
	for i := 1; i < n; i++ {
		if last, err = ti.mint(fmt.Sprintf("cred-%d", i), "nonce", access); err != nil {
			t.Fatal(err)
		}
		if b := ti.issuedBytes; b > maxIssuedBytes {
			t.Fatalf("after %d tokens of %d bytes: %d bytes remembered, want at most %d", i+1, len(last), b, maxIssuedBytes)
		}
	}
	claims, err := ti.verify(last)
	if err != nil || claims.Credential != fmt.Sprintf("cred-%d", n-1) || len(claims.Access) != MaxTokenScopes {
		t.Errorf("verify(last token) = %v, %v", claims, err)
	}
	t.Logf("%d tokens of %d bytes minted: %d remembered, %d bytes", n, len(last), len(ti.issued), ti.issuedBytes)
}

// BenchmarkParseScopes: merging is linear in the number of scopes.
func BenchmarkParseScopes(b *testing.B) {
	for _, n := range []int{10, MaxTokenScopes} {
		values := make([]string, n)
		for i := range values {
			values[i] = fmt.Sprintf("repository:alice/p%d:pull,push", i)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, bad := parseScopes(values); bad != nil {
					b.Fatal(bad)
				}
			}
		})
	}
}
