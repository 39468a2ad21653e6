package registry

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/fakeghcr/fakeghcr/registry/internal/middleware"
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
	// repo is the repository the challenge names (set by forRepo).
	repo string
	// cause is what went wrong inside fakeghcr behind a 500; logged, never
	// sent.
	cause error
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

// errorHandler serves a request and returns the error to answer, or nil
// when it has written a response itself.
type errorHandler func(w http.ResponseWriter, r *http.Request) *regError

// handle adapts h to net/http: the one place registry errors are written.
func (s *Server) handle(h errorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := h(w, r); e != nil {
			s.writeError(w, r, e)
		}
	}
}

// writeError sends e, with GHCR's challenge on a 401, and logs it: 500s at
// error level with their cause, the others at debug (denials are logged as
// decisions already). Any X-Fakeghcr-* headers are set by then.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *regError) {
	if e.Challenge {
		w.Header().Set("WWW-Authenticate", s.challenge(r, e.repo))
	}
	level := slog.LevelDebug
	if e.Status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	if s.log.Enabled(r.Context(), level) {
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code,
			"message", e.Message, "request_id", middleware.GetReqID(r.Context())}
		if e.cause != nil {
			attrs = append(attrs, "cause", e.cause.Error())
		}
		s.log.Log(r.Context(), level, "registry error", attrs...)
	}
	body := e.body()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// forRepo returns e with its challenge naming repo.
func (e *regError) forRepo(repo string) *regError {
	if !e.Challenge || e.repo == repo {
		return e
	}
	c := *e
	c.repo = repo
	return &c
}

// internalError is a 500 in the registry's format; what says what failed,
// cause why (logged only).
func internalError(what string, cause error) *regError {
	return &regError{Status: http.StatusInternalServerError, Code: "UNKNOWN", Message: what, cause: cause}
}

// Errors of the OCI API itself (not authorization), with GHCR's texts where
// they were observed and distribution's otherwise.
var (
	errNameInvalid = &regError{Status: http.StatusBadRequest, Code: "NAME_INVALID", Message: "invalid repository name"}
	// errUnsupported is also GHCR's answer to the OAuth2 POST /token: 405
	// with 78 bytes of body; containerd and BuildKit then fall back to GET.
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
	errRangeNotSatisfiable = &regError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "REQUESTED_RANGE_NOT_SATISFIABLE", Message: "requested range not satisfiable"}
	errBlobTooLarge        = &regError{Status: http.StatusRequestEntityTooLarge, Code: "SIZE_INVALID", Message: "blob exceeds the maximum permissible size"}
	errManifestInvalid     = &regError{Status: http.StatusBadRequest, Code: "MANIFEST_INVALID", Message: "manifest invalid"}
	errTagInvalid          = &regError{Status: http.StatusBadRequest, Code: "TAG_INVALID", Message: "invalid tag"}
	errBadRequest          = &regError{Status: http.StatusBadRequest, Code: "UNSUPPORTED", Message: "bad request"}
	errScopeInvalid        = &regError{Status: http.StatusBadRequest, Code: "UNSUPPORTED", Message: "invalid scope"}
	errPaginationInvalid   = &regError{Status: http.StatusBadRequest, Code: "PAGINATION_NUMBER_INVALID", Message: "invalid number of results requested"}
)

// GHCR's answers to a malformed or unusable Authorization header.
var (
	errAuthRequired = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgAuthRequired, Challenge: true}
	errTokenMissing = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: "authentication token not provided", Challenge: true} // [T5]
	errInvalidToken = &regError{Status: http.StatusForbidden, Code: "DENIED", Message: "invalid token"}                                               // [T4]
	errUnauthentic  = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgUnauthenticated, Challenge: true}                  // [T6]
)

// fakeghcr's own API's errors.
var (
	errAdminTokenMissing = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: "admin token required: send Authorization: Bearer <admin token> (see --admin-token / FAKEGHCR_ADMIN_TOKEN; fakeghcr serve prints it when it starts)"}
	errAdminTokenWrong   = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: "wrong admin token: fakeghcr serve prints a new admin token each time it starts unless --admin-token (FAKEGHCR_ADMIN_TOKEN) sets one; use the one this server printed"}
	errAdminDisabled     = &regError{Status: http.StatusForbidden, Code: "DENIED", Message: "admin API disabled: no admin token configured"}
)

// errChunkTooLarge is GHCR's 416 for a ranged chunk over limit bytes; for
// GHCR's 4 MiB it says "... limit of 4.00MiB".
func errChunkTooLarge(limit int64) *regError {
	return &regError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "REQUESTED_RANGE_NOT_SATISFIABLE",
		Message: "the request body is too large and exceeds the maximum permissible limit of " + mebibytes(limit)}
}

// errManifestTooLarge answers a manifest over limit bytes.
func errManifestTooLarge(limit int64) *regError {
	return &regError{Status: http.StatusRequestEntityTooLarge, Code: "MANIFEST_INVALID",
		Message: "manifest exceeds the maximum permissible size of " + mebibytes(limit)}
}

// mebibytes writes a size as GHCR's messages do: 4194304 is "4.00MiB".
// Sizes under 1 MiB (only ever configured in tests) are written in bytes.
func mebibytes(n int64) string {
	if n < 1<<20 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 2, 64) + "MiB"
}

// withMessage copies e with another message (for errors whose text names
// what went wrong, e.g. which manifest field is invalid).
func (e *regError) withMessage(msg string) *regError {
	c := *e
	c.Message = msg
	return &c
}
