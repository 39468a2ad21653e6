package registry

import (
	"sync"
	"sync/atomic"

	"github.com/fakeghcr/fakeghcr/authz"
)

// maxMemo bounds the decisions one world snapshot remembers; clients that
// invent package names cannot grow it further.
const maxMemo = 4096

// view is one immutable snapshot of the world and a memo of authz.Decide
// over it. Every change makes a new view, so the memo never outlives the
// world it was computed from. (authz is pure: the same world, principal
// and access always give the same decision, explanation included.)
type view struct {
	world authz.World
	memo  sync.Map // memoKey -> authz.Decision
	size  atomic.Int32
}

type memoKey struct {
	kind   authz.CredentialKind // "" for anonymous
	name   string               // credential names are unique in a world
	pkg    string
	action authz.Action
}

func newView(w authz.World) *view { return &view{world: w} }

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
	if v.size.Add(1) <= maxMemo {
		v.memo.Store(k, d)
	}
	return d
}
