// Package respond is how every cardloop HTTP handler answers: JSON, and
// errors as RFC 9457 problem documents in the caller's language, from the one
// table that maps domain fault codes to HTTP statuses. Handlers are plain
// net/http; in Lambda they run behind aws-lambda-go-api-proxy's httpadapter,
// locally behind the runner's API Gateway emulation, so both see the same
// requests.
package respond

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

// statusOf is the one table that maps domain fault codes to HTTP statuses.
var statusOf = map[fault.Code]int{
	fault.Invalid:      http.StatusUnprocessableEntity,
	fault.Malformed:    http.StatusBadRequest,
	fault.TooLarge:     http.StatusRequestEntityTooLarge,
	fault.MediaType:    http.StatusUnsupportedMediaType,
	fault.NotFound:     http.StatusNotFound,
	fault.Conflict:     http.StatusConflict,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.Forbidden:    http.StatusForbidden,
	fault.Unavailable:  http.StatusServiceUnavailable,
	fault.TooMany:      http.StatusTooManyRequests,
	fault.Internal:     http.StatusInternalServerError,
}

// problemTypeBase prefixes each problem type; docs/api.md#problems lists them.
const problemTypeBase = "https://cardloop.dev/problems/"

// ProblemType is the problem type URI of a fault code.
func ProblemType(code fault.Code) string { return problemTypeBase + string(code) }

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one bad field, with its rule and a message in the
// caller's language.
type FieldProblem struct {
	Field   string            `json:"field"`
	Rule    string            `json:"rule"`
	Message string            `json:"message"`
	Params  map[string]string `json:"params,omitempty"`
}

// ProblemFor turns err into a problem document. Internal causes are logged,
// never shown.
func ProblemFor(err error, lang i18n.Lang, log *slog.Logger) Problem {
	code := fault.CodeOf(err)
	if code == fault.Internal && errors.Is(err, context.DeadlineExceeded) {
		code = fault.Unavailable // the request's deadline (Deadline) ran out waiting on a dependency
	}
	status, ok := statusOf[code]
	if !ok {
		code, status = fault.Internal, http.StatusInternalServerError
	}
	p := Problem{Type: ProblemType(code), Title: i18n.T(lang, "problem."+string(code), nil), Status: status}
	fe, isFault := fault.As(err)
	if code == fault.Unavailable {
		p.Detail = i18n.T(lang, "problem.unavailable.detail", nil)
	}
	if isFault && code != fault.Internal && code != fault.Unavailable {
		p.Detail = fe.Message
		for _, f := range fe.Fields {
			p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Rule: f.Rule, Params: f.Params, Message: i18n.T(lang, "rule."+f.Rule, f.Params)})
		}
	}
	if status >= 500 {
		log.Error("request failed", "code", code, "err", err)
	}
	return p
}

// RetryAfter is how long a 503 asks the client to wait, in seconds: the
// Retry-After header of every unavailable answer.
const RetryAfter = 2

// WriteProblem answers with err as application/problem+json; a 503 says
// when to retry (Retry-After).
func WriteProblem(w http.ResponseWriter, err error, lang i18n.Lang, log *slog.Logger) {
	p := ProblemFor(err, lang, log)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(lang))
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// JSON answers with v as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
