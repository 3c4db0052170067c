package cases_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/triage"
)

// fakeCases is the casework service and the directory behind the case page,
// in memory: one case, its card, its store and the store's rules. It counts
// the actions it is asked to apply.
type fakeCases struct {
	rec   casework.Record
	card  card.Card
	store brand.Store
	rules triage.Rules
	acts  []casework.Action
}

var (
	_ interface {
		Record(context.Context, string) (casework.Record, error)
		Act(context.Context, string, casework.Action) (casework.Case, error)
		Rules(context.Context, string, string) (triage.Rules, error)
	} = (*fakeCases)(nil)
	_ interface {
		Store(context.Context, string) (brand.Store, error)
		Card(context.Context, string) (card.Card, error)
	} = (*fakeCases)(nil)
)

func (f *fakeCases) Record(_ context.Context, id string) (casework.Record, error) {
	if id != f.rec.Case.ID {
		return casework.Record{}, fault.New(fault.NotFound, "There is no such case.")
	}
	return f.rec, nil
}

func (f *fakeCases) Act(_ context.Context, _ string, a casework.Action) (casework.Case, error) {
	f.acts = append(f.acts, a)
	return f.rec.Case, nil
}

func (f *fakeCases) Rules(context.Context, string, string) (triage.Rules, error) { return f.rules, nil }

func (f *fakeCases) Store(context.Context, string) (brand.Store, error) { return f.store, nil }

func (f *fakeCases) Card(context.Context, string) (card.Card, error) { return f.card, nil }

func newFakeCases(rules triage.Rules) *fakeCases {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	c := card.Card{ID: "c1", StoreID: "S003", BrandID: "wang", VisitDate: "2026-11-21", SubmittedAt: at,
		Ratings: map[string]int{"main": 1, "service": 3, "overall": 5}}
	k := casework.Case{ID: "k_page", BrandID: "wang", StoreID: "S003", Severity: triage.Apology, Status: casework.Open,
		CardIDs: []string{"c1"}, VisitDate: "2026-11-21", OpenedAt: at, DueAt: at.Add(24 * time.Hour), Version: 1}
	return &fakeCases{
		rec:   casework.Record{Case: k, Events: []casework.Event{{At: at, By: "triage", Action: "opened"}}},
		card:  c,
		store: brand.Store{ID: "S003", BrandID: "wang", TimeZone: "Asia/Singapore", Language: i18n.En, Items: []string{"main"}},
		rules: rules,
	}
}

// TestLowRatingsByTheStoresRules: the page marks low what the store's triage
// rules count as low, not a fixed score.
func TestLowRatingsByTheStoresRules(t *testing.T) {
	tests := []struct {
		name  string
		rules triage.Rules
		low   []string // the ratings marked low
	}{
		{"default rules", triage.Default(), []string{"1"}},
		{"a store counting 3s as low", triage.Default().Merge(triage.Rules{VisitLowAtOrBelow: 3}), []string{"1", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCases(tt.rules)
			signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), time.Now)
			h := cases.NewCaseHandler(f, f, signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
			res := httptest.NewRecorder()
			h.ServeHTTP(res, httptest.NewRequest("GET", "/k/k_page?"+signer.Query("k_page", "open", time.Hour).Encode(), nil))
			if res.Code != 200 {
				t.Fatalf("got %d, want 200", res.Code)
			}
			body := res.Body.String()
			if got := strings.Count(body, `class="low"`); got != len(tt.low) {
				t.Errorf("got %d ratings marked low, want %d (%v)", got, len(tt.low), tt.low)
			}
			for _, score := range tt.low {
				if !strings.Contains(body, " "+score+" (") {
					t.Errorf("the %s is not marked low", score)
				}
			}
			if strings.Contains(body, " 5 (") {
				t.Error("the 5 is marked low")
			}
		})
	}
}

// TestGetNeverActs: whatever link a GET (or HEAD) follows, the page asks the
// casework service for no action; only the acknowledge link puts the
// Acknowledge button first.
func TestGetNeverActs(t *testing.T) {
	tests := []struct {
		method, action string
		ackFirst       bool
	}{
		{"GET", "ack", true},
		{"GET", "open", false},
		{"HEAD", "ack", true}, // the recorder keeps the body a server would drop
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.action, func(t *testing.T) {
			f := newFakeCases(triage.Default())
			signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), time.Now)
			h := cases.NewCaseHandler(f, f, signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
			res := httptest.NewRecorder()
			h.ServeHTTP(res, httptest.NewRequest(tt.method, "/k/k_page?"+signer.Query("k_page", tt.action, time.Hour).Encode(), nil))
			if res.Code != 200 {
				t.Fatalf("got %d, want 200", res.Code)
			}
			if len(f.acts) != 0 {
				t.Errorf("got actions %+v, want none", f.acts)
			}
			if got := strings.Contains(res.Body.String(), `id="acknowledge-first"`); got != tt.ackFirst {
				t.Errorf("got the Acknowledge button first %v, want %v", got, tt.ackFirst)
			}
		})
	}
}

// TestRecordInSentences: the page's record reads as sentences in the
// reader's language, with what was typed for the call, no raw keys; each
// card shows once, however often the case names it (issue 13, item 2).
func TestRecordInSentences(t *testing.T) {
	f := newFakeCases(triage.Default())
	at := f.rec.Case.OpenedAt
	call := at.Add(time.Hour)
	f.rec.Case.CardIDs = []string{"c1", "c1"}
	f.rec.Case.Status, f.rec.Case.AssignedTo = casework.Contacted, "deputy.s003@example.com"
	f.rec.Case.Contacts = []casework.Contact{{At: call, By: "manager.s003@example.com", Outcome: casework.Reached, Listened: "湯是冷的",
		ApologyGiven: true, RemedyCategory: "voucher", Remedy: "招待甜點", Satisfied: "yes", Notes: "週五回電"}}
	f.rec.Events = []casework.Event{
		{At: at, By: "triage", Action: "opened", Detail: map[string]string{"card": "c1", "severity": "apology_call"}},
		{At: call, By: "manager.s003@example.com", Action: "contact", Detail: map[string]string{"outcome": "reached", "apology": "true", "remedy": "voucher", "satisfied": "yes"}},
	}
	signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), time.Now)
	h := cases.NewCaseHandler(f, f, signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	res := httptest.NewRecorder()
	h.ServeHTTP(res, httptest.NewRequest("GET", "/k/k_page?lang=zh-TW&"+signer.Query("k_page", "open", time.Hour).Encode(), nil))
	if res.Code != 200 {
		t.Fatalf("got %d, want 200", res.Code)
	}
	body := res.Body.String()
	for _, want := range []string{"依 2026-11-21 20:00 的意見卡開案：需致歉回電。", "manager.s003@example.com 致電並聯絡到顧客。",
		"<dt>傾聽</dt><dd>湯是冷的</dd>", "<dt>致歉</dt><dd>已致歉</dd>", "<dt>解決</dt><dd>餐券 — 招待甜點</dd>",
		"<dt>顧客是否滿意</dt><dd>滿意</dd>", "<dt>備註</dt><dd>週五回電</dd>", `id="assignee">deputy.s003@example.com`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, raw := range []string{"outcome:", "severity:", "remedy: voucher", "apology_call"} {
		if strings.Contains(body, raw) {
			t.Errorf("the page shows the raw %q", raw)
		}
	}
	if n := strings.Count(body, `class="ratinglist"`); n != 1 {
		t.Errorf("the card shows %d times, want once", n)
	}
}

// TestMissingCase: a link to a case that does not exist says so in the
// reader's language and offers the console's cases (issue 13, item 3).
func TestMissingCase(t *testing.T) {
	f := newFakeCases(triage.Default())
	signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), time.Now)
	h := cases.NewCaseHandler(f, f, signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	res := httptest.NewRecorder()
	h.ServeHTTP(res, httptest.NewRequest("GET", "/k/k_gone?lang=zh-CN&"+signer.Query("k_gone", "open", time.Hour).Encode(), nil))
	body := res.Body.String()
	if res.Code != 404 || !strings.Contains(body, "找不到此案件。") || !strings.Contains(body, `href="/console/?lang=zh-CN#cases"`) ||
		!strings.Contains(body, "到控制台查看您的案件") || strings.Contains(body, "Not Found") {
		t.Errorf("got %d %s", res.Code, body)
	}
}
