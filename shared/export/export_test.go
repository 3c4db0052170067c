package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/export"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/staff"
	"github.com/cardloop/cardloop/shared/triage"
)

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"好吃", "好吃"},
		{"=1+1", "'=1+1"},
		{"+886912345678", "'+886912345678"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := export.Cell(tt.in); got != tt.want {
				t.Errorf("Cell(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want string // after the BOM
	}{
		{"plain", [][]string{{"a", "b"}}, "a,b\r\n"},
		{"Chinese kept as UTF-8", [][]string{{"牛排太老了", "好"}}, "牛排太老了,好\r\n"},
		{"comma and quote quoted", [][]string{{`他說"好",但`, "x"}}, `"他說""好"",但",x` + "\r\n"},
		{"line break quoted, as CRLF", [][]string{{"第一行\n第二行"}}, "\"第一行\r\n第二行\"\r\n"},
		{"formula neutralised", [][]string{{"=1+1", "=HYPERLINK(\"http://x\")"}}, `'=1+1,"'=HYPERLINK(""http://x"")"` + "\r\n"},
		{"two rows", [][]string{{"h"}, {"v"}}, "h\r\nv\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := export.NewWriter(&b)
			for _, r := range tt.rows {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if !strings.HasPrefix(got, "\xEF\xBB\xBF") {
				t.Fatalf("got %q, want it to start with the UTF-8 BOM", got)
			}
			if got[3:] != tt.want {
				t.Errorf("got %q, want %q", got[3:], tt.want)
			}
			if w.Rows() != len(tt.rows) || w.Bytes() != int64(b.Len()) {
				t.Errorf("counts: got %d rows %d bytes, want %d rows %d bytes", w.Rows(), w.Bytes(), len(tt.rows), b.Len())
			}
			// What a spreadsheet (or encoding/csv) reads back.
			back, err := csv.NewReader(strings.NewReader(got[3:])).ReadAll()
			if err != nil || len(back) != len(tt.rows) {
				t.Fatalf("read back: got %v, %v", back, err)
			}
			for i, r := range tt.rows {
				for j, v := range r {
					if back[i][j] != export.Cell(v) {
						t.Errorf("cell %d,%d read back: got %q, want %q", i, j, back[i][j], export.Cell(v))
					}
				}
			}
		})
	}
}

func TestSeesContacts(t *testing.T) {
	tests := []struct {
		name   string
		p      staff.Principal
		store  string
		expect bool
	}{
		{"store manager of the store", staff.Principal{Groups: []string{staff.StoreManager}, Stores: []string{"S001"}}, "S001", true},
		{"store manager of another store", staff.Principal{Groups: []string{staff.StoreManager}, Stores: []string{"S002"}}, "S001", false},
		{"area manager", staff.Principal{Groups: []string{staff.AreaManager}, Stores: []string{"S001"}}, "S001", false},
		{"operations", staff.Principal{Groups: []string{staff.Operations}}, "S001", true},
		{"admin", staff.Principal{Groups: []string{staff.Admin}}, "S001", true},
		{"marketing", staff.Principal{Groups: []string{staff.Marketing}}, "S001", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := export.SeesContacts(tt.p, tt.store); got != tt.expect {
				t.Errorf("got %v, want %v", got, tt.expect)
			}
		})
	}
}

func sampleCard(i int) card.Card {
	nps, fv := 9, true
	return card.Card{
		ID: fmt.Sprintf("c_%03d", i), StoreID: "S001", Source: card.SourceScan, VisitDate: "2026-11-20",
		SubmittedAt: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), Meal: "dinner", Table: "12",
		Ratings: map[string]int{"main": 2, "overall": 4}, NPS: &nps, FirstVisit: &fv, Comment: "=1+1 牛排太老了",
		Diner: card.Diner{Name: "林小姐", Phone: "+886912345678", Email: "lin@example.com"},
	}
}

func TestCardRow(t *testing.T) {
	items := []string{"main", "service", "overall"}
	tests := []struct {
		name     string
		contacts bool
		want     []string
	}{
		{"without contacts", false, []string{"c_001", "2026-11-20", "2026-11-20T12:00:00Z", "dinner", "scan", "12", "", "2", "", "4", "9", "true", "", "", "", "", "=1+1 牛排太老了", "", "false", "false"}},
		{"with contacts", true, []string{"c_001", "2026-11-20", "2026-11-20T12:00:00Z", "dinner", "scan", "12", "", "2", "", "4", "9", "true", "", "", "", "", "=1+1 牛排太老了", "", "false", "false", "林小姐", "+886912345678", "lin@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := export.CardColumns(items, tt.contacts)
			got := cols.CardRow(sampleCard(1))
			if !slices.Equal(got, tt.want) {
				t.Errorf("row:\n got %q\nwant %q", got, tt.want)
			}
			for _, l := range i18n.All {
				h := cols.Header(l)
				if len(h) != len(got) {
					t.Errorf("%s header: got %d columns, want %d (the row's)", l, len(h), len(got))
				}
				for _, v := range h {
					if strings.HasPrefix(v, "export.") || strings.Contains(v, "card.item.") {
						t.Errorf("%s header: %q has no words", l, v)
					}
				}
			}
		})
	}
	if h := export.CardColumns(items, false).Header(i18n.ZhTW); !slices.Contains(h, "評分：主餐") {
		t.Errorf("zh-TW header: got %q, want the item column 評分：主餐", h)
	}
}

func TestCaseRow(t *testing.T) {
	opened := time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)
	k := casework.Case{ID: "k_1", VisitDate: "2026-11-20", OpenedAt: opened, DueAt: opened.Add(48 * time.Hour), Severity: triage.Visit,
		Reasons: []triage.Reason{{Rule: "keyword", Detail: "食物中毒"}, {Rule: "overall", Detail: "overall"}}, Status: casework.Open,
		CardIDs: []string{"c_1", "c_2"}, DinerName: "林小姐", DinerPhone: "+886912345678"}
	for _, contacts := range []bool{false, true} {
		cols := export.CaseColumns(contacts)
		row := cols.CaseRow(k)
		if len(row) != len(cols.Header(i18n.En)) {
			t.Errorf("contacts %v: got %d cells, header has %d", contacts, len(row), len(cols.Header(i18n.En)))
		}
		if row[4] != "keyword:食物中毒 overall:overall" || row[14] != "c_1 c_2" {
			t.Errorf("contacts %v: reasons %q, cards %q", contacts, row[4], row[14])
		}
		if slices.Contains(row, "+886912345678") != contacts {
			t.Errorf("contacts %v: row %q", contacts, row)
		}
	}
}

// Fakes of the service's small interfaces.
type fakeCards struct{ cards []card.Card }

func (f *fakeCards) CardsByStore(_ context.Context, q card.StoreQuery) (card.Page, error) {
	start := 0
	if q.Cursor != "" {
		fmt.Sscan(q.Cursor, &start)
	}
	end := min(start+q.Limit, len(f.cards))
	p := card.Page{Cards: f.cards[start:end]}
	if end < len(f.cards) {
		p.Next = fmt.Sprint(end)
	}
	return p, nil
}

type fakeCases struct{ cases []casework.Case }

func (f *fakeCases) CasesPage(_ context.Context, _, _, _ string, _ int, _ string) ([]casework.Case, string, error) {
	return f.cases, "", nil
}

type fakeRecords struct {
	got []export.Record
	err error
}

func (f *fakeRecords) RecordExport(_ context.Context, r export.Record) error {
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, r)
	return nil
}

type fakeFiles struct {
	objects map[string][]byte
	failAt  int // fail after reading this many bytes (0: never)
}

func (f *fakeFiles) Upload(_ context.Context, key, _ string, body io.Reader) error {
	if f.failAt > 0 {
		_, _ = io.CopyN(io.Discard, body, int64(f.failAt))
		return errors.New("bucket down")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	f.objects[key] = b
	return nil
}

func (f *fakeFiles) Link(_ context.Context, key, _ string, _ time.Duration) (string, error) {
	return "https://bucket.example/" + key, nil
}

var (
	_ export.Recorder = (*fakeRecords)(nil)
	_ export.Files    = (*fakeFiles)(nil)
)

func TestService(t *testing.T) {
	cards := make([]card.Card, 450)
	for i := range cards {
		cards[i] = sampleCard(i)
	}
	now := func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		limits   export.Limits
		kind     string
		delivery string
		rows     int
	}{
		{"small cards inline", export.DefaultLimits, export.Cards, export.Inline, 450},
		{"over the row limit: bucket", export.Limits{Bytes: 5 << 20, Rows: 100}, export.Cards, export.Linked, 450},
		{"over the byte limit: bucket", export.Limits{Bytes: 1000, Rows: 20000}, export.Cards, export.Linked, 450},
		{"cases inline", export.DefaultLimits, export.Cases, export.Inline, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, files := &fakeRecords{}, &fakeFiles{objects: map[string][]byte{}}
			svc := export.NewService(&fakeCards{cards}, &fakeCases{[]casework.Case{{ID: "k_1"}}}, rec, files, now, func() string { return "x1" }).WithLimits(tt.limits)
			res, err := svc.Export(context.Background(), export.Request{StoreID: "S001", Items: []string{"main", "overall"}, Kind: tt.kind, From: "2026-11-01", To: "2026-11-27", By: "ops@example.com", Lang: i18n.ZhTW})
			if err != nil {
				t.Fatal(err)
			}
			if res.Delivery != tt.delivery || res.Rows != tt.rows {
				t.Errorf("got %s with %d rows, want %s with %d", res.Delivery, res.Rows, tt.delivery, tt.rows)
			}
			if len(rec.got) != 1 || rec.got[0].Rows != tt.rows || rec.got[0].By != "ops@example.com" || rec.got[0].Delivery != tt.delivery {
				t.Errorf("records: got %+v, want one of %d rows by ops", rec.got, tt.rows)
			}
			body := res.Body
			if tt.delivery == export.Linked {
				key := strings.TrimPrefix(res.Link, "https://bucket.example/")
				body = files.objects[key]
				if !strings.HasPrefix(key, "exports/S001/") || res.Body != nil || !res.Expires.Equal(now().Add(15*time.Minute)) {
					t.Errorf("link: got key %q, body %d bytes, expires %v", key, len(res.Body), res.Expires)
				}
			}
			if int64(len(body)) != res.Bytes || !bytes.HasPrefix(body, []byte(export.BOM)) {
				t.Fatalf("body: got %d bytes, want %d starting with the BOM", len(body), res.Bytes)
			}
			all, err := csv.NewReader(bytes.NewReader(body[len(export.BOM):])).ReadAll()
			if err != nil || len(all) != tt.rows+1 {
				t.Fatalf("read back: got %d rows, %v; want %d", len(all), err, tt.rows+1)
			}
		})
	}
}

func TestServiceFailures(t *testing.T) {
	cards := make([]card.Card, 300)
	for i := range cards {
		cards[i] = sampleCard(i)
	}
	now := time.Now
	id := func() string { return "x" }
	req := export.Request{StoreID: "S001", Kind: export.Cards, From: "2026-11-01", To: "2026-11-27"}

	rec := &fakeRecords{err: errors.New("table down")}
	_, err := export.NewService(&fakeCards{cards}, nil, rec, &fakeFiles{objects: map[string][]byte{}}, now, id).Export(context.Background(), req)
	if err == nil {
		t.Error("recorder down: got no error, want the export refused (nothing leaves unrecorded)")
	}

	rec = &fakeRecords{}
	files := &fakeFiles{objects: map[string][]byte{}, failAt: 10}
	_, err = export.NewService(&fakeCards{cards}, nil, rec, files, now, id).WithLimits(export.Limits{Bytes: 100, Rows: 10}).Export(context.Background(), req)
	if err == nil || len(rec.got) != 0 || len(files.objects) != 0 {
		t.Errorf("bucket down: got %v, %d records, %d objects; want an error, nothing recorded", err, len(rec.got), len(files.objects))
	}
}
