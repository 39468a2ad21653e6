package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/fakeghcr/fakeghcr/faults"
)

// AddFault adds a fault rule (POST /_fakeghcr/faults) and returns it with
// its id.
func (c *Client) AddFault(ctx context.Context, r faults.Rule) (faults.Rule, error) {
	var out bytes.Buffer
	if err := c.do(ctx, "POST", "/faults", r, &out); err != nil {
		return faults.Rule{}, err
	}
	var body struct {
		Added faults.Rule `json:"added"`
	}
	if err := json.Unmarshal(out.Bytes(), &body); err != nil {
		return faults.Rule{}, fmt.Errorf("decoding the added fault: %w", err)
	}
	return body.Added, nil
}

// Faults lists the fault rules with their counters (GET /_fakeghcr/faults).
func (c *Client) Faults(ctx context.Context) ([]faults.Status, error) {
	var out bytes.Buffer
	if err := c.do(ctx, "GET", "/faults", nil, &out); err != nil {
		return nil, err
	}
	var body struct {
		Faults []faults.Status `json:"faults"`
	}
	if err := json.Unmarshal(out.Bytes(), &body); err != nil {
		return nil, fmt.Errorf("decoding faults: %w", err)
	}
	return body.Faults, nil
}

// ClearFaults removes every fault rule (DELETE /_fakeghcr/faults).
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.do(ctx, "DELETE", "/faults", nil, nil)
}

// RemoveFault removes one fault rule (DELETE /_fakeghcr/faults/ID).
func (c *Client) RemoveFault(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/faults/"+url.PathEscape(id), nil, nil)
}
