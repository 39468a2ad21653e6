package middleware

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

func TestRequestID(t *testing.T) {
	ids := NewRequestIDs()
	var got []string
	h := ids.RequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = append(got, GetReqID(r.Context()))
	}))
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(RequestIDHeader, "client-chosen")
	h.ServeHTTP(httptest.NewRecorder(), r)
	form := regexp.MustCompile(`^[^/]+/[A-Za-z0-9]{10}-00000[12]$`)
	if len(got) != 3 || !form.MatchString(got[0]) || !form.MatchString(got[1]) || got[0] == got[1] || got[2] != "client-chosen" {
		t.Errorf("ids %q: want HOST/RANDOM-000001, -000002, then the client's", got)
	}
	if id := GetReqID(httptest.NewRequest(http.MethodGet, "/", nil).Context()); id != "" {
		t.Errorf("GetReqID without RequestID = %q", id)
	}
}

func TestWrapResponseWriter(t *testing.T) {
	rec := httptest.NewRecorder()
	w := NewWrapResponseWriter(rec, 1)
	if w.Status() != 0 {
		t.Errorf("status before any: %d, want 0", w.Status())
	}
	w.WriteHeader(http.StatusCreated)
	w.WriteHeader(http.StatusTeapot) // dropped
	if _, err := w.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if w.Status() != http.StatusCreated || w.BytesWritten() != 5 || rec.Code != http.StatusCreated || rec.Body.String() != "hello" {
		t.Errorf("status %d, %d bytes; recorder %d %q", w.Status(), w.BytesWritten(), rec.Code, rec.Body.String())
	}
	if w.Unwrap() != rec {
		t.Error("Unwrap does not return the wrapped writer")
	}
	w2 := NewWrapResponseWriter(httptest.NewRecorder(), 1)
	_, _ = w2.Write([]byte("x"))
	if w2.Status() != http.StatusOK {
		t.Errorf("a Write without WriteHeader: status %d, want 200", w2.Status())
	}
}
