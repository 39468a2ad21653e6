package adminclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/faults"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	hs := newServer(t)
	ctx := context.Background()
	c := adminclient.New(hs.URL, "t")

	added, err := c.AddFault(ctx, faults.Rule{Status: 503, Path: "/v2/", Times: 1})
	if err != nil || added.ID != "f1" {
		t.Fatalf("AddFault: %+v, %v", added, err)
	}
	if _, err := c.AddFault(ctx, faults.Rule{Status: 404}); err == nil {
		t.Error("an invalid rule was added")
	} else {
		var refused *adminclient.Error
		if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest {
			t.Errorf("invalid rule: %v", err)
		}
	}
	resp, err := hs.Client().Get(hs.URL + "/v2/") // its own transport: a parallel test closing a server cuts http.DefaultClient's
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /v2/ with the fault: %d", resp.StatusCode)
	}
	list, err := c.Faults(ctx)
	if err != nil || len(list) != 1 || list[0].Fired != 1 {
		t.Fatalf("Faults: %+v, %v", list, err)
	}
	if err := c.RemoveFault(ctx, "f1"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveFault(ctx, "f1"); err == nil {
		t.Error("removing a missing rule succeeded")
	}
	if _, err := c.AddFault(ctx, faults.Rule{Delay: faults.Duration(1)}); err != nil {
		t.Fatal(err)
	}
	if err := c.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.Faults(ctx); len(list) != 0 {
		t.Errorf("after clear: %+v", list)
	}
}
