package console_test

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/export"
)

// exportCards stores S001's cards for the export tests: a Chinese comment
// with a comma and quotes, a formula-looking one, and diners' contacts.
func exportCards(t *testing.T, e *insightEnv) {
	t.Helper()
	e.submit(t, card.Submission{Comment: `牛排太老了，但"服務"很好, 謝謝`, Diner: card.DinerInput{Name: "林小姐", Phone: "0912 345 678"}}, card.Meta{Source: card.SourceQR, IdempotencyKey: "export-1"})
	e.submit(t, card.Submission{Comment: "=1+1", Ratings: map[string]int{"overall": 1}}, card.Meta{Source: card.SourceQR, IdempotencyKey: "export-2"})
	e.submit(t, card.Submission{Comment: "@SUM(A1:A9)", Diner: card.DinerInput{Email: "wu@example.com"}}, card.Meta{Source: card.SourceQR, IdempotencyKey: "export-3"})
}

// readCSV checks an export's bytes and reads them as a spreadsheet would.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !strings.HasPrefix(string(body), export.BOM) {
		t.Fatalf("export: got %q…, want it to start with the UTF-8 BOM", body[:min(len(body), 20)])
	}
	rows, err := csv.NewReader(strings.NewReader(string(body[len(export.BOM):]))).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	return rows
}

func bodyOf(t *testing.T, body string, b64 bool) []byte {
	t.Helper()
	if !b64 {
		return []byte(body)
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportCards: S001's manager exports the cards as CSV with the
// diners' contacts, Chinese intact and formulas neutralised; marketing gets
// no contact columns; both exports are recorded without personal data.
func TestExportCards(t *testing.T) {
	e := newInsightEnv(t, export.DefaultLimits)
	exportCards(t, e)
	q := "?kind=cards&lang=en&from=" + e.fromDay + "&to=" + e.todayUTC

	resp := e.manager(t, "GET", "/api/v1/stores/S001/export"+q, "", 200)
	if resp.Headers["Content-Type"] != "text/csv; charset=utf-8" || !strings.HasPrefix(resp.Headers["Content-Disposition"], "attachment; filename=S001-cards-") {
		t.Errorf("headers: got %v", resp.Headers)
	}
	rows := readCSV(t, bodyOf(t, resp.Body, resp.IsBase64Encoded))
	if len(rows) != 4 {
		t.Fatalf("rows: got %d, want a header and 3 cards", len(rows))
	}
	head := rows[0]
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("header %q has no %q", head, name)
		}
		return i
	}
	comments, phones := map[string]bool{}, map[string]bool{}
	for _, r := range rows[1:] {
		comments[r[col("Comment")]] = true
		phones[r[col("Diner phone")]] = true
	}
	for _, want := range []string{`牛排太老了，但"服務"很好, 謝謝`, "'=1+1", "'@SUM(A1:A9)"} {
		if !comments[want] {
			t.Errorf("comments: got %v, want %q among them", comments, want)
		}
	}
	if !phones["'+886912345678"] {
		t.Errorf("phones: got %v, want the diner's (neutralised: it starts with +)", phones)
	}
	col("Rating: Main course")

	mkt := e.call(t, "GET", "/api/v1/stores/S001/export"+q, "", "marketing", "marketing", "")
	if mkt.StatusCode != 200 {
		t.Fatalf("marketing: got %d %s", mkt.StatusCode, mkt.Body)
	}
	if strings.Contains(mkt.Body, "886912345678") || strings.Contains(mkt.Body, "林小姐") || strings.Contains(mkt.Body, "wu@example.com") || strings.Contains(mkt.Body, "Diner phone") {
		t.Errorf("marketing's export holds contact details: %s", mkt.Body)
	}
	if rows := readCSV(t, []byte(mkt.Body)); len(rows) != 4 || len(rows[0]) != len(head)-3 {
		t.Errorf("marketing's export: got %d rows of %d columns, want 4 of %d", len(rows), len(rows[0]), len(head)-3)
	}

	zh := e.manager(t, "GET", "/api/v1/stores/S001/export?kind=cards&lang=zh-TW&from="+e.fromDay+"&to="+e.todayUTC, "", 200)
	if rows := readCSV(t, []byte(zh.Body)); !slices.Contains(rows[0], "留言") || !slices.Contains(rows[0], "評分：主餐") {
		t.Errorf("zh-TW header: got %q", rows[0])
	}

	recs, err := e.log.Exports(context.Background(), "S001", time.Now().Add(-time.Hour))
	if err != nil || len(recs) != 3 {
		t.Fatalf("export records: got %+v, %v; want 3", recs, err)
	}
	byWho := map[string]export.Record{}
	for _, r := range recs {
		byWho[r.By] = r
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), "886912345678") || strings.Contains(string(b), "林") {
			t.Errorf("record holds personal data: %s", b)
		}
	}
	if r := byWho["manager.s001@example.com"]; r.Rows != 3 || !r.Contacts || r.Kind != export.Cards || r.From != e.fromDay || r.Delivery != export.Inline {
		t.Errorf("manager's record: got %+v", r)
	}
	if r := byWho["marketing@example.com"]; r.Rows != 3 || r.Contacts {
		t.Errorf("marketing's record: got %+v, want 3 rows without contacts", r)
	}
}

// TestExportBadInput: every bad request is a problem document, and nothing
// is exported or recorded.
func TestExportBadInput(t *testing.T) {
	e := newInsightEnv(t, export.DefaultLimits)
	tests := []struct {
		name, target, groups, stores string
		status                       int
		field                        string
	}{
		{"from after to", "/api/v1/stores/S001/export?kind=cards&from=2026-11-20&to=2026-11-01", "store_manager", "S001", 400, "from"},
		{"over 400 days", "/api/v1/stores/S001/export?kind=cards&from=2025-01-01&to=2026-11-01", "store_manager", "S001", 400, "to"},
		{"malformed date", "/api/v1/stores/S001/export?kind=cards&from=2026-13-01", "store_manager", "S001", 400, "from"},
		{"unknown kind", "/api/v1/stores/S001/export?kind=diners", "store_manager", "S001", 400, "kind"},
		{"no kind", "/api/v1/stores/S001/export", "store_manager", "S001", 400, "kind"},
		{"a store not yours", "/api/v1/stores/S002/export?kind=cards", "store_manager", "S001", 403, ""},
		{"an unknown store", "/api/v1/stores/S999/export?kind=cards", "operations", "", 404, ""},
		{"comments: from after to", "/api/v1/stores/S001/comments?from=2026-11-20&to=2026-11-01", "store_manager", "S001", 400, "from"},
		{"comments: unknown store", "/api/v1/stores/S999/comments", "admin", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(t, "GET", tt.target, "", "someone", tt.groups, tt.stores)
			if resp.StatusCode != tt.status || resp.Headers["Content-Type"] != "application/problem+json" {
				t.Fatalf("got %d %s %s, want %d problem+json", resp.StatusCode, resp.Headers["Content-Type"], resp.Body, tt.status)
			}
			var p problemBody
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.Status != tt.status {
				t.Fatalf("problem: got %s, %v", resp.Body, err)
			}
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors: got %+v, want field %s", p.Errors, tt.field)
			}
		})
	}
	if recs, err := e.log.Exports(context.Background(), "S001", time.Time{}); err != nil || len(recs) != 0 {
		t.Errorf("records: got %d, %v; want none", len(recs), err)
	}
}

// TestExportBig: over the limits (lowered here to two rows) the export
// streams into the bucket and the answer is a link; the link downloads the
// same CSV as the inline export, and the export is recorded as linked.
func TestExportBig(t *testing.T) {
	e := newInsightEnv(t, export.Limits{Bytes: 5 << 20, Rows: 2})
	exportCards(t, e)
	q := "?kind=cards&lang=en&from=" + e.fromDay + "&to=" + e.todayUTC
	resp := e.manager(t, "GET", "/api/v1/stores/S001/export"+q, "", 200)
	var out struct {
		URL, Filename string
		Rows          int
		ExpiresAt     time.Time
	}
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil || out.URL == "" || out.Rows != 3 {
		t.Fatalf("big export: got %s, %v; want a link to 3 rows", resp.Body, err)
	}
	if d := time.Until(out.ExpiresAt); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("link expires in %v, want 15 minutes", d)
	}
	if !strings.Contains(out.URL, "/exports/S001/") || !strings.Contains(out.URL, "X-Amz-Expires=900") {
		t.Errorf("link: got %s, want a presigned GET of exports/S001/… for 900 s", out.URL)
	}
	got, err := http.Get(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	linked, _ := io.ReadAll(got.Body)
	if got.StatusCode != 200 {
		t.Fatalf("download: got %d %s", got.StatusCode, linked)
	}

	small := insightOn(t, e.lambdaEnv, export.DefaultLimits)
	inline := small.manager(t, "GET", "/api/v1/stores/S001/export"+q, "", 200)
	if string(linked) != inline.Body {
		t.Errorf("the linked CSV differs from the inline one:\n%s\n---\n%s", linked, inline.Body)
	}
	if rows := readCSV(t, linked); len(rows) != 4 {
		t.Errorf("linked CSV: got %d rows, want 4", len(rows))
	}
	recs, err := e.log.Exports(context.Background(), "S001", time.Now().Add(-time.Hour))
	if err != nil || len(recs) != 2 || recs[1].Delivery != export.Linked || recs[0].Delivery != export.Inline {
		t.Errorf("records: got %+v, %v; want the linked export then the inline one", recs, err)
	}
}
