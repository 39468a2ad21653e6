package registry

import (
	"crypto/rand"
	"crypto/subtle"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/authz"
)

// maxMemo and maxMemoBytes bound the decisions one world snapshot
// remembers, in number and in bytes (memoBytes); clients that invent
// package names (a mount's from, a path) cannot grow it further.
const (
	maxMemo      = 4096
	maxMemoBytes = 2 << 20
)

// view is one immutable snapshot of the world and a memo of authz.Decide
// over it. Every change makes a new view, so the memo never outlives the
// world it was computed from. (authz is pure: the same world, principal
// and access always give the same decision, explanation included.)
type view struct {
	world authz.World
	// bound holds each credential's binding: registry tokens carry the
	// nonce, and a token whose nonce is not its credential's current one
	// authenticates nobody.
	bound map[string]binding
	// principals are the world's credentials as principals, with their
	// names for records (authz.Principal.String), by index in
	// world.Credentials: a request a registry token authenticates takes
	// its principal from here, made once per world instead of once per
	// request.
	principals []boundPrincipal
	memo       sync.Map // memoKey -> authz.Decision

	memoMu    sync.Mutex // serializes adding to memo
	memoCount int        // entries in memo
	memoBytes int        // memoBytes of the entries in memo
}

// boundPrincipal is a credential of the view's world as a principal. The
// credential is the view's own copy, which nobody modifies.
type boundPrincipal struct {
	principal authz.Principal
	label     string // principal.String()
}

// binding is a credential as registry tokens are bound to it.
type binding struct {
	nonce string
	index int // in world.Credentials
}

type memoKey struct {
	kind   authz.CredentialKind // "" for anonymous
	name   string               // credential names are unique in a world
	pkg    string
	action authz.Action
}

// newView makes the view of w, the world after prev's (nil for the first).
// A credential keeps its nonce only when prev had it with the same fields
// and it is not named in renewed; every other credential gets a fresh one.
// So a token minted before an add, revoke, remove or replace of its
// credential (the admin change names it in renewed), or before a reset
// that changed it, authenticates nobody afterwards.
func newView(w authz.World, prev *view, renewed ...string) *view {
	v := &view{world: w, bound: make(map[string]binding, len(w.Credentials)), principals: make([]boundPrincipal, len(w.Credentials))}
	creds := slices.Clone(w.Credentials)
	for i, c := range w.Credentials {
		p := authz.Principal{Credential: &creds[i]}
		v.principals[i] = boundPrincipal{principal: p, label: p.String()}
		b := binding{index: i}
		if old, ok := prev.credential(c.Name); ok && !slices.Contains(renewed, c.Name) && reflect.DeepEqual(old, c) {
			b.nonce = prev.bound[c.Name].nonce
		} else {
			b.nonce = rand.Text()
		}
		v.bound[c.Name] = b
	}
	return v
}

// credential returns the credential named name and whether it exists. v
// may be nil.
func (v *view) credential(name string) (authz.Credential, bool) {
	if v == nil {
		return authz.Credential{}, false
	}
	b, ok := v.bound[name]
	if !ok {
		return authz.Credential{}, false
	}
	return v.world.Credentials[b.index], true
}

// boundPrincipal returns the credential a registry token was minted for,
// as a principal, if it still exists with the nonce the token carries.
func (v *view) boundPrincipal(name, nonce string) (boundPrincipal, bool) {
	b, ok := v.bound[name]
	if !ok || nonce == "" || subtle.ConstantTimeCompare([]byte(b.nonce), []byte(nonce)) != 1 {
		return boundPrincipal{}, false
	}
	return v.principals[b.index], true
}

// nonce is the current nonce of the named credential.
func (v *view) nonce(name string) string { return v.bound[name].nonce }

// decide is authz.Decide, remembered.
func (v *view) decide(p authz.Principal, a authz.Access) authz.Decision {
	k := memoKey{pkg: a.Package, action: a.Action}
	if c := p.Credential; c != nil {
		k.kind, k.name = c.Kind, c.Name
	}
	if d, ok := v.memo.Load(k); ok {
		return d.(authz.Decision)
	}
	d := authz.Decide(v.world, p, a)
	v.remember(k, d)
	return d
}

// remember keeps d under k while the memo is under both its bounds. The
// texts are copied first: k.pkg comes from the request (a path, a mount's
// from) and, as a substring, would keep the whole request line alive.
func (v *view) remember(k memoKey, d authz.Decision) {
	size := memoBytes(k, d)
	v.memoMu.Lock()
	defer v.memoMu.Unlock()
	if v.memoCount >= maxMemo || v.memoBytes+size > maxMemoBytes {
		return
	}
	k.name, k.pkg = strings.Clone(k.name), strings.Clone(k.pkg)
	d.Explanation, d.Fix = strings.Clone(d.Explanation), strings.Clone(d.Fix)
	if _, loaded := v.memo.LoadOrStore(k, d); !loaded {
		v.memoCount++
		v.memoBytes += size
	}
}

// memoBytes is about what remembering d under k costs: its texts, and the
// map entry and headers around them.
func memoBytes(k memoKey, d authz.Decision) int {
	return 192 + len(k.kind) + len(k.name) + len(k.pkg) + len(k.action) + len(d.Reason) + len(d.Explanation) + len(d.Fix)
}
