package registry

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// regError is one answer in the registry's JSON error envelope:
// {"errors":[{"code":..,"message":..}]} plus a trailing newline, with a
// `detail` only where GHCR sends one (MANIFEST_BLOB_UNKNOWN).
type regError struct {
	Status  int
	Code    string
	Message string
	// Details, when set, produce one error entry per detail (GHCR sends one
	// MANIFEST_BLOB_UNKNOWN per missing blob, each with the digest).
	Details []string
	// Challenge adds GHCR's WWW-Authenticate header (on 401s).
	Challenge bool
}

func (e *regError) Error() string { return e.Code + ": " + e.Message }

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

// body renders the envelope exactly as GHCR does: compact JSON and "\n".
func (e *regError) body() []byte {
	var b errorBody
	if len(e.Details) == 0 {
		b.Errors = []errorEntry{{Code: e.Code, Message: e.Message}}
	}
	for _, d := range e.Details {
		b.Errors = append(b.Errors, errorEntry{Code: e.Code, Message: e.Message, Detail: d})
	}
	out, _ := json.Marshal(b) // cannot fail: strings only
	return append(out, '\n')
}

// write sends the error; the caller has set any extra headers.
func (e *regError) write(w http.ResponseWriter) {
	body := e.body()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// Errors of the OCI API itself (not authorization), with GHCR's texts where
// they were observed and distribution's otherwise.
var (
	errNameInvalid = &regError{Status: http.StatusBadRequest, Code: "NAME_INVALID", Message: "invalid repository name"}
	errUnsupported = &regError{Status: http.StatusMethodNotAllowed, Code: "UNSUPPORTED", Message: "The operation is unsupported."}
	errNotFound    = &regError{Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "not found"}
	// GHCR answers the referrers API with 404 MANIFEST_UNKNOWN [T28].
	errManifestUnknown  = &regError{Status: http.StatusNotFound, Code: "MANIFEST_UNKNOWN", Message: "manifest unknown"}
	errIndexNotAccepted = &regError{Status: http.StatusNotFound, Code: "MANIFEST_UNKNOWN",
		Message: "OCI index found, but Accept header does not support OCI indexes"}
	errNameUnknown         = &regError{Status: http.StatusNotFound, Code: "NAME_UNKNOWN", Message: "repository name not known to registry"}
	errBlobUnknown         = &regError{Status: http.StatusNotFound, Code: "BLOB_UNKNOWN", Message: "blob unknown to registry"}
	errUploadUnknown       = &regError{Status: http.StatusNotFound, Code: "BLOB_UPLOAD_UNKNOWN", Message: "blob upload unknown to registry"}
	errDigestInvalid       = &regError{Status: http.StatusBadRequest, Code: "DIGEST_INVALID", Message: "invalid digest"}
	errDigestMismatch      = &regError{Status: http.StatusBadRequest, Code: "DIGEST_INVALID", Message: "provided digest did not match uploaded content"}
	errRangeInvalid        = &regError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "BLOB_UPLOAD_INVALID", Message: "content range does not match the upload's current size"}
	errChunkTooLarge       = &regError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "REQUESTED_RANGE_NOT_SATISFIABLE", Message: "the request body is too large and exceeds the maximum permissible limit of 4.00MiB"}
	errRangeNotSatisfiable = &regError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "REQUESTED_RANGE_NOT_SATISFIABLE", Message: "requested range not satisfiable"}
	errBlobTooLarge        = &regError{Status: http.StatusRequestEntityTooLarge, Code: "SIZE_INVALID", Message: "blob exceeds the maximum permissible size"}
	errManifestInvalid     = &regError{Status: http.StatusBadRequest, Code: "MANIFEST_INVALID", Message: "manifest invalid"}
	errManifestTooLarge    = &regError{Status: http.StatusRequestEntityTooLarge, Code: "MANIFEST_INVALID", Message: "manifest exceeds the maximum permissible size of 4.00MiB"}
	errTagInvalid          = &regError{Status: http.StatusBadRequest, Code: "TAG_INVALID", Message: "invalid tag"}
	errBadRequest          = &regError{Status: http.StatusBadRequest, Code: "UNSUPPORTED", Message: "bad request"}
)

// withMessage copies e with another message (for errors whose text names
// what went wrong, e.g. which manifest field is invalid).
func (e *regError) withMessage(msg string) *regError {
	c := *e
	c.Message = msg
	return &c
}
