package scenarios

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
)

// TestFaultReasonDeclared: faults, standard library only, keeps its own
// copy of the reason authz declares; the two must stay equal.
func TestFaultReasonDeclared(t *testing.T) {
	t.Parallel()
	if authz.Reason(faults.Reason) != authz.FaultInjected {
		t.Errorf("faults.Reason = %q, authz.FaultInjected = %q", faults.Reason, authz.FaultInjected)
	}
}

// TestExpectFaultAndRESTReasons: a refused push, pull or login may be a
// scenario's fault rule firing, so an expect may name fault_injected for a
// failure (not a success); the REST API's reasons never answer those
// actions, so an expect naming one is refused.
func TestExpectFaultAndRESTReasons(t *testing.T) {
	t.Parallel()
	expect := func(status, reason string) string {
		return world + "expect:\n  - action: pull\n    package: acme/api\n    status: " + status + "\n    reason: " + reason + "\n"
	}
	if _, err := Parse("fault.yaml", []byte(expect("503", string(authz.FaultInjected)))); err != nil {
		t.Errorf("fault_injected on a 503: %v", err)
	}
	if _, err := Parse("fault.yaml", []byte(expect("200", string(authz.FaultInjected)))); err == nil {
		t.Errorf("fault_injected on a 200: accepted")
	}
	for _, r := range authz.RESTReasons() {
		if _, err := Parse("rest.yaml", []byte(expect("403", string(r)))); err == nil {
			t.Errorf("REST reason %s in an expect: accepted", r)
		}
	}
}
