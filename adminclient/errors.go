package adminclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Error is the server's refusal of an admin request: its status and the
// first entry of the registry error envelope it answered with.
type Error struct {
	Status        int
	Code, Message string
}

// Error reads "400 invalid change: ...": the status, then the message.
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// UnreachableError is a request that got no answer: nothing listens at
// BaseURL, or it did not answer in time.
type UnreachableError struct {
	BaseURL string
	Err     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach fakeghcr at %s: %v", e.BaseURL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// refusal reads the registry error envelope of a refused admin request.
func refusal(status int, body []byte) error {
	var env struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 {
		return &Error{Status: status, Code: env.Errors[0].Code, Message: env.Errors[0].Message}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Status: status, Message: msg}
}
