package diners_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
)

// fakeSubmitter validates like the real service (card.Build) and records
// what it was given, without storage.
type fakeSubmitter struct {
	got   []card.Submission
	metas []card.Meta
}

func (f *fakeSubmitter) Submit(_ context.Context, sub card.Submission, m card.Meta) (card.Result, error) {
	f.got = append(f.got, sub)
	f.metas = append(f.metas, m)
	st, err := memStores{}.Store(context.Background(), sub.StoreID)
	if err != nil {
		return card.Result{}, err
	}
	c, err := intake.Build(sub, st, m)
	return card.Result{Card: c, Created: true}, err
}

func formHandler() (*fakeSubmitter, http.Handler) {
	f := &fakeSubmitter{}
	return f, diners.NewCardHandler(f, memStores{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestThanksApologisesWhenACaseOpens: the thanks page says a manager will
// be in touch exactly when the store's triage rules open a case.
func TestThanksApologisesWhenACaseOpens(t *testing.T) {
	_, h := formHandler()
	tests := []struct {
		name    string
		ratings map[string]string
		sorry   bool
	}{
		{"a 1 opens an apology call", map[string]string{"ratings.main": "1", "ratings.overall": "3"}, true},
		{"one 2 opens nothing", map[string]string{"ratings.main": "2", "ratings.overall": "3"}, false},
		{"three 2s open a visit", map[string]string{"ratings.main": "2", "ratings.bread": "2", "ratings.overall": "2"}, true},
		{"all good", map[string]string{"ratings.main": "5", "ratings.overall": "4"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"lang": {"en"}}
			for k, v := range tt.ratings {
				form.Set(k, v)
			}
			rec := post(h, form, "en")
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("got %d, want 303", rec.Code)
			}
			if got := strings.Contains(rec.Header().Get("Location"), "sorry=1"); got != tt.sorry {
				t.Errorf("apology on the thanks page: got %v, want %v (%s)", got, tt.sorry, rec.Header().Get("Location"))
			}
		})
	}
}

// TestThanksAsksToConfirmGreetings: a diner who asks for greetings with an
// e-mail address is told a confirmation e-mail is coming, in their language.
func TestThanksAsksToConfirmGreetings(t *testing.T) {
	_, h := formHandler()
	tests := []struct {
		name    string
		form    url.Values
		confirm bool
	}{
		{"greetings with an address", url.Values{"consent.marketing": {"yes"}, "diner.email": {"lin@example.com"}}, true},
		{"greetings without an address", url.Values{"consent.marketing": {"yes"}, "diner.phone": {"0912 345 678"}}, false},
		{"an address without greetings", url.Values{"diner.email": {"lin@example.com"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("ratings.overall", "5")
			tt.form.Set("lang", "zh-CN")
			rec := post(h, tt.form, "zh-CN")
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || strings.Contains(loc, "confirm=1") != tt.confirm {
				t.Fatalf("got %d %s, want 303 with confirm=1 %v", rec.Code, loc, tt.confirm)
			}
			page := httptest.NewRecorder()
			h.ServeHTTP(page, httptest.NewRequest("GET", loc, nil))
			if got := strings.Contains(page.Body.String(), "确认链接"); got != tt.confirm {
				t.Errorf("thanks page asks to confirm: got %v, want %v", got, tt.confirm)
			}
		})
	}
}

func TestFormRendersInEachLanguage(t *testing.T) {
	_, h := formHandler()
	tests := []struct {
		lang, accept string
		want         []string
	}{
		{"", "zh-TW", []string{`lang="zh-TW"`, "顧客意見卡", "麵包", "很差", "手機號碼", `value="12"`}},
		{"zh-CN", "", []string{`lang="zh-CN"`, "顾客意见卡", "面包", "手机号码"}},
		{"en", "zh-TW", []string{`lang="en"`, "Guest feedback card", "Bread", "Very poor", "Mobile number"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+tt.accept, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/c/S001?t=12&lang="+tt.lang, nil)
			req.Header.Set("Accept-Language", tt.accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != 200 || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
				t.Fatalf("status: got %d, want 200 and a whole page (ends %q)", rec.Code, body[max(0, len(body)-80):])
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, item := range []string{"ratings.bread", "ratings.soup", "ratings.main", "ratings.service", "ratings.cleanliness", "ratings.overall"} {
				if !strings.Contains(body, `name="`+item+`"`) {
					t.Errorf("page lacks the %s rating", item)
				}
			}
			if strings.Contains(body, `name="consent.contact" value="yes" checked`) || strings.Contains(body, `name="consent.marketing" value="yes" checked`) {
				t.Error("a consent box is ticked by default")
			}
		})
	}
}

func post(h http.Handler, form url.Values, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/c/S001", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", accept)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestFormPostBuildsTheSubmission(t *testing.T) {
	f, h := formHandler()
	form := url.Values{
		"submissionId": {"4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a001"}, "lang": {"zh-TW"},
		"ratings.main": {"1"}, "ratings.overall": {"3"}, "ratings.bread": {""}, "nps": {"6"},
		"firstVisit": {"no"}, "visitCount": {"4"}, "mainCourse": {"ribeye"}, "meal": {"dinner"},
		"comment": {"太老了\r\n下次加油"}, "diner.name": {"林小姐"}, "diner.phone": {"0912 345 678"},
		"birthday.month": {"02"}, "birthday.day": {"29"}, "consent.contact": {"yes"}, "table": {"12"},
	}
	rec := post(h, form, "zh-TW")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/c/S001/thanks?") {
		t.Fatalf("got %d %s, want 303 to the thanks page", rec.Code, rec.Header().Get("Location"))
	}
	if !strings.Contains(rec.Header().Get("Location"), "sorry=1") {
		t.Errorf("a card with a 1: got %s, want the thanks page to apologise", rec.Header().Get("Location"))
	}
	s := f.got[0]
	if s.StoreID != "S001" || s.Ratings["main"] != 1 || len(s.Ratings) != 2 || *s.NPS != 6 || *s.FirstVisit || *s.VisitCount != 4 ||
		s.Diner.Birthday != "02-29" || !s.Consent.Contact || s.Consent.Marketing || s.Comment != "太老了\n下次加油" || s.Table != "12" {
		t.Errorf("submission: got %+v", s)
	}
}

func TestFormPostShowsErrorsNextToFields(t *testing.T) {
	_, h := formHandler()
	form := url.Values{
		"submissionId": {"4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a002"}, "lang": {"zh-TW"},
		"ratings.main": {"x"}, "diner.phone": {"123"}, "comment": {"<script>alert(1)</script>"}, "diner.name": {"林小姐"},
	}
	rec := post(h, form, "zh-TW")
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
		t.Fatalf("status: got %d, want 422 and a whole page", rec.Code)
	}
	for _, want := range []string{
		`id="diner-phone-error"`, i18n.T(i18n.ZhTW, "rule.phone", nil), // next to the phone field, in Chinese
		`aria-describedby="diner-phone-error"`, `aria-invalid="true"`,
		`href="#ratings-main"`, `href="#ratings-overall"`, // the summary links to the fields
		`value="林小姐"`,                                  // answers kept
		"&lt;script&gt;alert(1)&lt;/script&gt;",        // and escaped
		`value="4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a002"`, // same submission id
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("the comment's script tag is in the page unescaped")
	}
}

func TestFormEdgeCases(t *testing.T) {
	_, h := formHandler()
	rec := post(h, url.Values{"comment": {strings.Repeat("x", 20000)}, "ratings.overall": {"3"}}, "en")
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "Sorry") {
		t.Errorf("oversize form: got %d, want 413 with a friendly page", rec.Code)
	}
	req := httptest.NewRequest("GET", "/c/S999", nil)
	req.Header.Set("Accept-Language", "zh-CN")
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 404 || !strings.Contains(rr.Body.String(), "找不到这家门店") {
		t.Errorf("unknown store: got %d, want 404 in zh-CN", rr.Code)
	}
	rec = post(h, url.Values{"ratings.overall": {"4"}, "birthday.month": {"02"}}, "en")
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="diner-birthday-error"`) {
		t.Errorf("month without day: got %d, want 422 with the birthday error", rec.Code)
	}
}

// TestPrintedCardOnline: the form opened from a printed card's QR code
// stores the answer under the card's serial — the same card the paper
// would make — and a forged serial is an ordinary online card.
func TestPrintedCardOnline(t *testing.T) {
	f := &fakeSubmitter{}
	signer, err := link.NewSigner(bytes.Repeat([]byte{3}, 32), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	h := diners.NewCardHandler(f, memStores{}, slog.New(slog.NewTextHandler(io.Discard, nil))).WithSerials(signer)
	good := signer.SignSerial("S001", "NMB7422OV2EAAAA", 1)
	tests := []struct {
		name, serial, sig string
		printed           bool
	}{
		{"signed serial", "NMB7422OV2EAAAA", good, true},
		{"forged serial", "NMB7422OV2EAAAB", good, false},
		{"no signature", "NMB7422OV2EAAAA", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/c/S001?s="+tt.serial+"&v=1&k="+tt.sig, nil))
			hidden := strings.Contains(rec.Body.String(), `name="cardSerial" value="`+tt.serial+`"`)
			if rec.Code != 200 || hidden != tt.printed {
				t.Fatalf("form: got %d, serial kept %v; want 200, %v", rec.Code, hidden, tt.printed)
			}
			form := url.Values{"submissionId": {"4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a0ff"}, "ratings.overall": {"4"},
				"cardSerial": {tt.serial}, "cardVersion": {"1"}, "cardSig": {tt.sig}}
			if rec := post(h, form, "en"); rec.Code != http.StatusSeeOther {
				t.Fatalf("post: got %d", rec.Code)
			}
			m := f.metas[len(f.metas)-1]
			if printed := m.Serial == tt.serial; printed != tt.printed {
				t.Errorf("stored with serial %q, want printed=%v", m.Serial, tt.printed)
			}
		})
	}
	if card.PrintedID("S001", "NMB7422OV2EAAAA") == card.ID("S001", "NMB7422OV2EAAAA") {
		t.Error("a client's submissionId can name a printed card's id")
	}
}
