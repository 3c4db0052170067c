package cases_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/privacy"
)

// TestRevealOnCasePage: the case page shows the diner's number masked with
// a Show number form; its POST with a reason answers the page with the
// full number to call and writes the audit entry (who: the link holder;
// what: the case's phone; why); a GET never reveals, and a POST without a
// reason reveals nothing and writes nothing.
func TestRevealOnCasePage(t *testing.T) {
	r := newCaseRig(t)
	env := testenv.New(t) // a table of its own for the audit log
	audit := privacystore.New(dynamo.New(dynamodb.NewFromConfig(env.Config), env.Table()))
	r.h = cases.NewCaseHandler(r.cases, r.db, r.signer, slog.New(slog.NewTextHandler(io.Discard, nil))).WithReveal(audit)
	phone := r.record(t).Case.DinerPhone
	q := r.signer.Query(r.id, "open", link.DefaultTTL)

	page := r.get(q).Body.String()
	if strings.Contains(page, phone) || strings.Contains(page, "tel:") || !strings.Contains(page, privacy.MaskPhone(phone)) || !strings.Contains(page, `id="reveal"`) {
		t.Fatalf("GET: want the number masked (%s) with a Show number form, got %.2000s", privacy.MaskPhone(phone), page)
	}
	month := time.Now().UTC().Format("2006-01")
	entries := func() []privacy.AuditEntry {
		t.Helper()
		es, err := audit.AuditLog(context.Background(), "wang", month)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	noReason := r.post(q, url.Values{"action": {"reveal"}})
	if noReason.Code != 422 || strings.Contains(noReason.Body.String(), phone) || len(entries()) != 0 {
		t.Fatalf("no reason: got %d, %d entries, want 422, the number hidden, nothing written", noReason.Code, len(entries()))
	}

	shown := r.post(q, url.Values{"action": {"reveal"}, "reason": {privacy.ReasonCallback}})
	body := shown.Body.String()
	if shown.Code != 200 || !strings.Contains(body, `href="tel:`+phone+`"`) {
		t.Fatalf("reveal: got %d, want 200 with tel:%s, %.2000s", shown.Code, phone, body)
	}
	es := entries()
	if len(es) != 1 {
		t.Fatalf("audit entries: got %d, want 1", len(es))
	}
	e := es[0]
	if e.Action != privacy.ActionReveal || !strings.HasPrefix(e.By, "case link: ") || e.Detail["case"] != r.id || e.Detail["field"] != "phone" || e.Detail["reason"] != privacy.ReasonCallback || e.SubjectHash == "" {
		t.Errorf("entry: got %+v", e)
	}
	if strings.Contains(e.By+e.SubjectHash+strings.Join(mapValues(e.Detail), " "), strings.TrimPrefix(phone, "+")) {
		t.Errorf("the entry holds the number: %+v", e)
	}
	if again := r.get(q).Body.String(); strings.Contains(again, phone) {
		t.Error("a later GET shows the number: a reveal lasts one answer")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
