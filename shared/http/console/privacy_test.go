package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/privacy"
)

// memPrivacy keeps a few diners, the requests and the audit log in memory:
// the small interfaces privacy.Service uses (the stores' own tests run
// against the emulator, in functions/internal/privacywire).
type memPrivacy struct {
	diners    map[string]diner.Profile
	requests  map[string]privacy.Request
	audit     []privacy.AuditEntry
	corrected []privacy.Correction
}

var (
	_ privacy.Requests  = (*memPrivacy)(nil)
	_ privacy.Diners    = (*memPrivacy)(nil)
	_ privacy.Cards     = (*memPrivacy)(nil)
	_ privacy.Cases     = (*memPrivacy)(nil)
	_ privacy.Greetings = (*memPrivacy)(nil)
)

func (m *memPrivacy) CreateRequest(_ context.Context, r privacy.Request) (privacy.Request, bool, error) {
	if s, ok := m.requests[r.ID]; ok {
		return s, false, nil
	}
	m.requests[r.ID] = r
	return r, true, nil
}
func (m *memPrivacy) Request(_ context.Context, id string) (privacy.Request, error) {
	r, ok := m.requests[id]
	if !ok {
		return r, fault.New(fault.NotFound, "no request")
	}
	return r, nil
}
func (m *memPrivacy) SaveProgress(_ context.Context, r privacy.Request) error {
	m.requests[r.ID] = r
	return nil
}
func (m *memPrivacy) OpenRequests(context.Context, string) ([]privacy.Request, error) {
	var out []privacy.Request
	for _, r := range m.requests {
		if r.Status == privacy.Open {
			out = append(out, r)
		}
	}
	return out, nil
}
func (m *memPrivacy) Audit(_ context.Context, e privacy.AuditEntry) error {
	m.audit = append(m.audit, e)
	return nil
}
func (m *memPrivacy) Diner(_ context.Context, _, key string) (diner.Profile, error) {
	p, ok := m.diners[key]
	if !ok {
		return p, fault.New(fault.NotFound, "no diner")
	}
	return p, nil
}
func (m *memPrivacy) DinerByEmail(_ context.Context, _, email string) (diner.Profile, error) {
	for _, p := range m.diners {
		if p.Email == email {
			return p, nil
		}
	}
	return diner.Profile{}, fault.New(fault.NotFound, "no diner")
}
func (m *memPrivacy) CorrectDiner(_ context.Context, _ diner.Profile, c privacy.Correction, _ time.Time) error {
	m.corrected = append(m.corrected, c)
	return nil
}
func (m *memPrivacy) DinerCards(context.Context, string, string) ([]card.Card, error) {
	return nil, nil
}
func (m *memPrivacy) EraseCard(context.Context, string) error { return nil }
func (m *memPrivacy) EraseDiner(_ context.Context, _, key string) (int, error) {
	delete(m.diners, key)
	return 1, nil
}
func (m *memPrivacy) DinerCases(context.Context, string, string) ([]string, error) { return nil, nil }
func (m *memPrivacy) CaseRecord(context.Context, string) (casework.Record, error) {
	return casework.Record{}, fault.New(fault.NotFound, "no case")
}
func (m *memPrivacy) EraseCase(context.Context, string) error { return nil }
func (m *memPrivacy) DinerGreetings(context.Context, string, string) ([]privacy.ConsentEvent, []privacy.SendRecord, error) {
	return nil, nil, nil
}
func (m *memPrivacy) EraseGreetings(context.Context, string, string, string, string, string, bool) (int, error) {
	return 0, nil
}
func (m *memPrivacy) EraseReview(context.Context, string, string) (string, error) { return "", nil }
func (m *memPrivacy) DeletePrefix(context.Context, string) (int, error)           { return 0, nil }
func (m *memPrivacy) Brand(context.Context, string) (brand.Brand, error) {
	return brand.Brand{ID: "wang"}, nil
}
func (m *memPrivacy) Store(_ context.Context, id string) (brand.Store, error) {
	return brand.Store{ID: id, Country: map[string]string{"S001": "TW", "S002": "CN", "S003": "SG"}[id]}, nil
}
func (m *memPrivacy) Keyed(purpose, value string) string {
	return "h" + purpose + "-" + value[len(value)-2:]
}

// TestPrivacyAPI: only operations and admin answer requests; bad input is
// refused field by field with nothing written; an unknown diner's erasure
// answers as a known one's; an export comes as JSON or CSV.
func TestPrivacyAPI(t *testing.T) {
	mem := &memPrivacy{requests: map[string]privacy.Request{}, diners: map[string]diner.Profile{
		"tel:+886912345678": {BrandID: "wang", Key: "tel:+886912345678", Name: "林小姐", Phone: "+886912345678", Email: "lin@example.com", LastStoreID: "S001", Visits: 2},
	}}
	n := 0
	svc := privacy.NewService(privacy.Deps{Requests: mem, Diners: mem, Cards: mem, Cases: mem, Greetings: mem, Scans: mem, Files: mem, Stores: mem,
		Hash: mem, Phone: phone.Normalize, Now: time.Now, NewID: func() string { n++; return "pr_" + string(rune('a'+n)) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := httpadapter.NewV2(console.NewHandler(nil, nil, nil, nil, nil, "/local/signin", "wang", slog.New(slog.NewTextHandler(io.Discard, nil))).WithPrivacy(svc))
	call := func(method, path, body, user, group string) (int, string, string) {
		t.Helper()
		resp, err := h.ProxyWithContext(context.Background(), campaignRequest(t, method, path, body, user, group))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Headers["Content-Type"], resp.Body
	}

	if status, ctype, _ := call("POST", "/api/v1/privacy/lookup", `{"phone":"0912345678","region":"TW"}`, "manager.s001", "store_manager"); status != 403 || ctype != "application/problem+json" {
		t.Errorf("store manager's lookup: got %d %s, want a 403 problem", status, ctype)
	}
	status, _, body := call("POST", "/api/v1/privacy/lookup", `{"phone":"0912345678","region":"TW"}`, "ops", "operations")
	if status != 200 || !strings.Contains(body, `"found":true`) || len(mem.audit) != 1 || mem.audit[0].Action != "lookup" {
		t.Errorf("ops lookup: got %d %s, audit %v; want found and one audit entry", status, body, mem.audit)
	}

	tests := []struct {
		name, body string
		status     int
		fields     []string
	}{
		{"bad correction, field by field", `{"kind":"correct","phone":"0912345678","region":"TW","reason":"diner asked","changes":{"birthday":"02-30","email":"not an address","name":"` + strings.Repeat("名", 101) + `"}}`, 422, []string{"birthday", "email", "name"}},
		{"a new phone for a diner keyed by it", `{"kind":"correct","phone":"0912345678","region":"TW","reason":"diner asked","changes":{"phone":"0912000111"}}`, 422, []string{"phone"}},
		{"an invalid new phone", `{"kind":"correct","phone":"0912345678","region":"TW","reason":"diner asked","changes":{"phone":"12"}}`, 422, []string{"phone"}},
		{"no reason", `{"kind":"erase","phone":"0912345678","region":"TW"}`, 422, []string{"reason"}},
		{"unknown kind", `{"kind":"delete-all","phone":"0912345678","reason":"x"}`, 422, []string{"kind"}},
		{"unknown field", `{"kind":"erase","phone":"0912345678","reason":"x","why":"x"}`, 400, []string{"body"}},
		{"neither phone nor e-mail", `{"kind":"erase","reason":"x"}`, 422, []string{"phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ctype, body := call("POST", "/api/v1/privacy/requests", tt.body, "ops", "operations")
			if status != tt.status || ctype != "application/problem+json" {
				t.Fatalf("got %d %s %s, want a %d problem", status, ctype, body, tt.status)
			}
			for _, f := range tt.fields {
				if !strings.Contains(body, `"field":"`+f+`"`) {
					t.Errorf("got %s, want field %s named", body, f)
				}
			}
		})
	}
	if len(mem.corrected) != 0 || len(mem.requests) != 0 {
		t.Errorf("refused requests wrote: corrections %v, requests %v", mem.corrected, mem.requests)
	}

	status, _, body = call("POST", "/api/v1/privacy/requests", `{"kind":"correct","phone":"0912345678","region":"TW","reason":"diner asked","changes":{"birthday":"1990-11-25","name":""}}`, "admin", "admin")
	if status != 200 || len(mem.corrected) != 1 || mem.corrected[0].Set["birthday"] != "1990-11-25" || len(mem.corrected[0].Remove) != 1 {
		t.Errorf("correction: got %d %s, %+v", status, body, mem.corrected)
	}

	status, ctype, body := call("POST", "/api/v1/privacy/requests", `{"kind":"export","email":"lin@example.com","reason":"copy asked","format":"csv"}`, "ops", "operations")
	if status != 200 || !strings.HasPrefix(ctype, "text/csv") || !strings.Contains(body, "profile,1,name,林小姐") {
		t.Errorf("CSV export: got %d %s %s", status, ctype, body)
	}
	status, _, body = call("POST", "/api/v1/privacy/requests", `{"kind":"export","email":"lin@example.com","reason":"copy asked"}`, "ops", "operations")
	var exp struct {
		Request privacy.Request `json:"request"`
		Data    privacy.Data    `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &exp); status != 200 || err != nil || exp.Data.Profile.Name != "林小姐" || exp.Request.Law != privacy.TaiwanPDPA || exp.Request.Status != privacy.Done {
		t.Errorf("JSON export: got %d %s", status, body)
	}

	shape := func(body string) string {
		var v struct {
			Request map[string]any `json:"request"`
		}
		_ = json.Unmarshal([]byte(body), &v)
		keys := []string{}
		for k := range v.Request {
			if k == "id" || k == "createdAt" || k == "doneAt" {
				keys = append(keys, k) // present, value differs
			} else {
				keys = append(keys, k+"="+strings.Trim(strings.ReplaceAll(fmtAny(v.Request[k]), "\n", ""), " "))
			}
		}
		return strings.Join(sortStrings(keys), ",")
	}
	s1, _, known := call("POST", "/api/v1/privacy/requests", `{"kind":"erase","phone":"0912345678","region":"TW","reason":"diner asked"}`, "ops", "operations")
	s2, _, unknown := call("POST", "/api/v1/privacy/requests", `{"kind":"erase","phone":"0911222333","region":"TW","reason":"diner asked"}`, "ops", "operations")
	if s1 != 200 || s2 != 200 || shape(known) != shape(unknown) {
		t.Errorf("erasures: known %d %s, unknown %d %s; want the same answer", s1, shape(known), s2, shape(unknown))
	}
	if _, ok := mem.diners["tel:+886912345678"]; ok {
		t.Error("the known diner was not erased")
	}
	status, _, body = call("GET", "/api/v1/privacy/requests", "", "ops", "operations")
	if status != 200 || strings.ReplaceAll(body, "\n", "") != `{"requests":[]}` {
		t.Errorf("open requests: got %d %s, want none", status, body)
	}
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}
