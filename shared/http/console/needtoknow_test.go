package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/comments"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/export"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/scan"
)

// needToKnowEnv is the console as ConsoleFunction wires it for the
// need-to-know rules: real stores and the audit log in the emulator, a
// diner with a phone, an e-mail and a case at S001.
type needToKnowEnv struct {
	*insightEnv
	card  card.Card
	case_ string
}

const (
	ntkPhoneDigits = "912345111" // of +886 912 345 111
	ntkEmail       = "lin.ntk@example.com"
	ntkName        = "林需知"
)

func newNeedToKnowEnv(t *testing.T) *needToKnowEnv {
	t.Helper()
	e := newInsightEnv(t, export.DefaultLimits)
	table := dynamo.New(e.calls, e.env.Table())
	mail := sesmail.New(sesv2.NewFromConfig(e.env.Config), e.env.Resources["SenderIdentity"].Name, "")
	n := 0
	exports := export.NewService(e.db, e.db, e.log, e.uploads, time.Now, func() string { n++; return "n" + string(rune('a'+n)) })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := console.NewHandler(e.db, e.db, greeting.NewDesk(e.db, mail, "http://127.0.0.1:8080", time.Now),
		scan.NewReviews(e.db, e.db, intake.NewService(e.db, e.db, time.Now), time.Now), e.crops, "/local/signin", "wang", quiet).
		WithExports(exports).
		WithComments(comments.NewService(e.db, e.cases, time.Now)).
		WithNeedToKnow(privacystore.New(table), testSigner(t)).
		WithCases(e.cases.WithSearch(testSigner(t), e.db), e.db, phone.Normalize)
	e.api = httpadapter.NewV2(h)
	c := e.submit(t, card.Submission{Ratings: map[string]int{"overall": 1, "main": 1}, Comment: "牛排太老了",
		Diner:   card.DinerInput{Name: ntkName, Phone: "0912 345 111", Email: ntkEmail},
		Consent: card.ConsentInput{Contact: true, Marketing: true}}, card.Meta{Source: card.SourceQR, IdempotencyKey: "ntk-1"})
	if _, err := e.cases.Triage(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return &needToKnowEnv{insightEnv: e, card: c, case_: casework.ID("S001", c.Diner.Key, c.ID, c.VisitDate)}
}

// leaks names what of the diner's contact details a body shows.
func leaks(body string) []string {
	var out []string
	for _, s := range []string{ntkPhoneDigits, "912 345 111", ntkEmail, "lin.ntk", "tel:"} {
		if strings.Contains(body, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestManagerSeesMaskedContacts: the store's manager sees the diner's phone
// and e-mail masked in the card list, the card and the case list, and no
// diner key (which holds the number).
func TestManagerSeesMaskedContacts(t *testing.T) {
	e := newNeedToKnowEnv(t)
	q := "?from=" + e.fromDay + "&to=" + e.todayUTC
	for _, target := range []string{"/api/v1/stores/S001/cards" + q, "/api/v1/cards/" + e.card.ID, "/api/v1/stores/S001/cases" + q,
		"/api/v1/stores/S001/inbox", "/api/v1/stores/S001/cases/search?q=0912345111", "/api/v1/cases/" + e.case_} {
		body := e.manager(t, "GET", target, "", 200).Body
		if l := leaks(body); len(l) > 0 {
			t.Errorf("GET %s shows %v: %s", target, l, body)
		}
		if !strings.Contains(body, "+886 9•• ••• 111") {
			t.Errorf("GET %s: no masked phone +886 9•• ••• 111 in %s", target, body)
		}
		if !strings.Contains(target, "/cases") && !strings.Contains(target, "/inbox") && !strings.Contains(body, "l•••@e•••.com") {
			t.Errorf("GET %s: no masked e-mail in %s", target, body)
		}
	}
}

// TestRevealIsAudited: the store's manager reveals the phone with a
// reason; the admin reads who, what and why in the month's audit log.
// Another store's manager, an area manager and marketing are refused, and
// their refusals write nothing; a reveal without a reason is a 422.
func TestRevealIsAudited(t *testing.T) {
	e := newNeedToKnowEnv(t)
	path := "/api/v1/cards/" + e.card.ID + "/reveal"
	refusals := []struct{ name, user, groups, stores, body string }{
		{"another store's manager", "manager.s002", "store_manager", "S002", `{"field":"phone","reason":"callback"}`},
		{"area manager", "area.taiwan", "area_manager", "S001", `{"field":"phone","reason":"callback"}`},
		{"marketing", "marketing", "marketing", "", `{"field":"phone","reason":"callback"}`},
	}
	for _, r := range refusals {
		resp := e.call(t, "POST", path, r.body, r.user, r.groups, r.stores)
		if resp.StatusCode != 403 || len(leaks(resp.Body)) > 0 {
			t.Errorf("%s: got %d %s, want 403 without the number", r.name, resp.StatusCode, resp.Body)
		}
	}
	bad := e.manager(t, "POST", path, `{"field":"phone"}`, 422).Body
	if !strings.Contains(bad, `"reason"`) {
		t.Errorf("no reason: got %s, want the field named", bad)
	}
	var shown map[string]string
	if err := json.Unmarshal([]byte(e.manager(t, "POST", path, `{"field":"phone","reason":"callback"}`, 200).Body), &shown); err != nil || shown["phone"] != "+886"+ntkPhoneDigits {
		t.Fatalf("reveal: got %v, %v, want the full number", shown, err)
	}

	month := time.Now().UTC().Format("2006-01")
	if resp := e.call(t, "GET", "/api/v1/privacy/audit?month="+month, "", "manager.s001", "store_manager", "S001"); resp.StatusCode != 403 {
		t.Errorf("manager reads the audit log: got %d, want 403", resp.StatusCode)
	}
	if resp := e.call(t, "GET", "/api/v1/privacy/audit?month=2026-13", "", "admin", "admin", ""); resp.StatusCode != 400 || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("month 2026-13: got %d %s, want 400 problem+json", resp.StatusCode, resp.Headers["Content-Type"])
	}
	resp := e.call(t, "GET", "/api/v1/privacy/audit?month="+month, "", "admin", "admin", "")
	var log struct{ Entries []privacy.AuditEntry }
	if err := json.Unmarshal([]byte(resp.Body), &log); err != nil || resp.StatusCode != 200 {
		t.Fatalf("audit log: got %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	var reveals []privacy.AuditEntry
	for _, en := range log.Entries {
		if en.Action == privacy.ActionReveal {
			reveals = append(reveals, en)
		}
	}
	if len(reveals) != 1 {
		t.Fatalf("reveals in the log: got %d (%+v), want 1: refusals write nothing", len(reveals), log.Entries)
	}
	r := reveals[0]
	if r.By != "manager.s001@example.com" || r.Detail["card"] != e.card.ID || r.Detail["field"] != "phone" || r.Detail["reason"] != "callback" || r.Detail["store"] != "S001" || r.SubjectHash == "" || r.At.IsZero() {
		t.Errorf("entry: got %+v, want who, what, when and why", r)
	}
	if l := leaks(resp.Body); len(l) > 0 {
		t.Errorf("the audit log itself shows %v", l)
	}
}

// TestExportWithContactsIsAudited: a manager's CSV export holds the
// contacts and is in the audit log; marketing's holds none and is not.
func TestExportWithContactsIsAudited(t *testing.T) {
	e := newNeedToKnowEnv(t)
	q := "?kind=cards&from=" + e.fromDay + "&to=" + e.todayUTC
	e.manager(t, "GET", "/api/v1/stores/S001/export"+q, "", 200)
	if resp := e.call(t, "GET", "/api/v1/stores/S001/export"+q, "", "marketing", "marketing", ""); resp.StatusCode != 200 {
		t.Fatalf("marketing export: got %d", resp.StatusCode)
	}
	resp := e.call(t, "GET", "/api/v1/privacy/audit", "", "admin", "admin", "")
	var log struct{ Entries []privacy.AuditEntry }
	if err := json.Unmarshal([]byte(resp.Body), &log); err != nil {
		t.Fatal(err)
	}
	var by []string
	for _, en := range log.Entries {
		if en.Action == privacy.ActionCSVExport {
			by = append(by, en.By)
			if en.Detail["store"] != "S001" || en.Detail["kind"] != "cards" || en.Detail["rows"] == "" {
				t.Errorf("export entry: got %+v", en)
			}
		}
	}
	if len(by) != 1 || by[0] != "manager.s001@example.com" {
		t.Errorf("export entries by: got %v, want only manager.s001@example.com", by)
	}
}

// TestMarketingSeesNoContacts signs in as marketing and calls every route
// marketing can read; no answer holds the diner's phone, e-mail or name.
func TestMarketingSeesNoContacts(t *testing.T) {
	e := newNeedToKnowEnv(t)
	q := "from=" + e.fromDay + "&to=" + e.todayUTC
	routes := []string{
		"/api/v1/me", "/api/v1/stores",
		"/api/v1/stores/S001/cards?" + q, "/api/v1/cards/" + e.card.ID,
		"/api/v1/stores/S001/cases?" + q, "/api/v1/stores/S001/case-stats?" + q,
		"/api/v1/stores/S001/comments?" + q,
		"/api/v1/stores/S001/export?kind=cards&" + q, "/api/v1/stores/S001/export?kind=cases&" + q,
		"/api/v1/stores/S001/reviews", "/api/v1/campaigns", "/api/v1/occasions",
		"/api/v1/privacy/audit", "/api/v1/privacy/requests",
		"/api/v1/stores/S001/inbox", "/api/v1/stores/S001/cases/search?q=%E7%89%9B%E6%8E%92", // 牛排, of the comment
		"/api/v1/stores/S001/cases/search?q=0912345111", "/api/v1/cases/" + e.case_,
	}
	answered := 0
	for _, target := range routes {
		resp := e.call(t, "GET", target, "", "marketing", "marketing", "")
		body := string(bodyOf(t, resp.Body, resp.IsBase64Encoded))
		if resp.StatusCode == 200 {
			answered++
		}
		if l := leaks(body); len(l) > 0 || strings.Contains(body, ntkName) || strings.Contains(body, "•") {
			t.Errorf("marketing GET %s (%d) shows %v or the name or a masked contact: %s", target, resp.StatusCode, l, body)
		}
	}
	// The test is only as good as what it reached: the card must be there.
	if answered < 10 {
		t.Errorf("marketing got 200 from %d routes, want at least 10", answered)
	}
	cards := e.call(t, "GET", "/api/v1/stores/S001/cards?"+q, "", "marketing", "marketing", "").Body
	if !strings.Contains(cards, e.card.ID) {
		t.Errorf("marketing's card list lacks the diner's card %s: the test saw nothing: %s", e.card.ID, cards)
	}
}
