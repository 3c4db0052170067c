package diners_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/i18n"
)

// TestLanguageSwitchKeepsTheAnswers: the card's language buttons post the
// form with switchLang; the same card comes back in the other language,
// every answer kept, the answered optional part open, nothing stored and
// no error shown — even for answers that would be refused.
func TestLanguageSwitchKeepsTheAnswers(t *testing.T) {
	f, h := formHandler()
	tests := []struct {
		name   string
		form   url.Values
		want   []string
		absent []string
	}{
		{"zh-TW to en", url.Values{"switchLang": {"en"}, "lang": {"zh-TW"}, "submissionId": {"4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a0a1"},
			"ratings.overall": {"4"}, "nps": {"9"}, "ratings.main": {"2"}, "comment": {"湯很好"}, "diner.name": {"林小姐"},
			"birthday.month": {"03"}, "birthday.day": {"14"}, "diner.language": {"zh-TW"}},
			[]string{`<html lang="en"`, "Guest feedback card", `id="ratings-overall-4" value="4" checked`, `id="nps-9" value="9" checked`,
				`id="ratings-main-2" value="2" checked`, "湯很好", `value="林小姐"`, `<option value="03" selected`, `<option value="14" selected`,
				`<details class="step" id="step-you" open`, `<option value="en" selected`, `name="lang" value="en"`,
				`value="4b0c4f9e-6f3d-4a53-9c52-0d0fbcd2a0a1"`},
			[]string{`<details class="step" id="step-visit" open`, "error-summary", `name="switchLang" value="en"`}},
		{"a chosen preferred language stays, wrong answers are not judged yet", url.Values{"switchLang": {"zh-CN"}, "lang": {"en"},
			"diner.language": {"zh-TW"}, "diner.phone": {"123"}, "meal": {"lunch"}},
			[]string{`<html lang="zh-CN"`, `<option value="zh-TW" selected`, `value="123"`, `<details class="step" id="step-visit" open`},
			[]string{"error-summary", `aria-invalid="true"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.got)
			rec := post(h, tt.form, "zh-TW")
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", rec.Code)
			}
			if len(f.got) != before {
				t.Error("a language switch submitted the card")
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("page has %q", a)
				}
			}
		})
	}
}

// TestBirthdayErrorSpeaksTheMenus: a day the month lacks, or a month
// without a day, is refused with words that match the month and day menus
// (not the API's MM-DD), in the reader's language.
func TestBirthdayErrorSpeaksTheMenus(t *testing.T) {
	_, h := formHandler()
	tests := []struct {
		name, month, day string
		lang             i18n.Lang
		key              string
	}{
		{"30 February", "02", "30", i18n.En, "card.birthday.invalid"},
		{"31 April", "04", "31", i18n.ZhTW, "card.birthday.invalid"},
		{"a month alone", "11", "", i18n.ZhCN, "card.birthday.partial"},
		{"a day alone", "", "25", i18n.En, "card.birthday.partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, url.Values{"lang": {string(tt.lang)}, "ratings.overall": {"4"}, "birthday.month": {tt.month}, "birthday.day": {tt.day}}, "")
			body := rec.Body.String()
			msg := i18n.T(tt.lang, tt.key, nil)
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="diner-birthday-error">`+msg) {
				t.Fatalf("got %d, want 422 with %q next to the birthday", rec.Code, msg)
			}
			// The error paragraph itself (the page holds a random submission
			// id, which may contain any digits and dashes).
			errText := body[strings.Index(body, `id="diner-birthday-error">`):]
			errText = errText[:strings.Index(errText, "</p>")]
			if strings.Contains(errText, "MM-DD") || strings.Contains(errText, "11-25") {
				t.Errorf("the error names a format the menus do not show: %s", errText)
			}
			if !strings.Contains(body, `<details class="step" id="step-you" open`) {
				t.Error("the part with the error is closed")
			}
		})
	}
}

// TestCardIsShortAndNamed: the blank card opens on the quick path — the
// optional parts folded, overall before NPS before the matrix before the
// comment — and its controls are named for screen readers.
func TestCardIsShortAndNamed(t *testing.T) {
	_, h := formHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/c/S001?lang=en&t=12", nil))
	body := rec.Body.String()
	order := []string{`<button form="card" hidden>`, `name="switchLang" value="zh-TW"`, `id="ratings-overall"`, `id="nps"`, `id="ratings-bread"`,
		`id="comment"`, `id="step-visit"`, `id="step-you"`, `<button type="submit">`, `src="/static/card-form.js"`}
	at := -1
	for _, w := range order {
		i := strings.Index(body, w)
		if i < at {
			t.Errorf("%q is out of order (at %d, before %d)", w, i, at)
		}
		at = i
	}
	for _, w := range []string{
		`aria-label="0 not at all likely"`, `aria-label="10 extremely likely"`, // NPS ends
		`<span class="sr-only">Very poor</span>`, // matrix buttons are not bare numbers
		`<label for="comment">Anything you would like to tell us?</label>`,
		`<span lang="en" aria-current="true">English</span>`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, w := range []string{`id="step-visit" open`, `id="step-you" open`, `button type="submit" form="card"`} {
		if strings.Contains(body, w) {
			t.Errorf("page has %q", w)
		}
	}
	js := httptest.NewRecorder()
	h.ServeHTTP(js, httptest.NewRequest("GET", "/static/card-form.js", nil))
	if js.Code != 200 || !strings.HasPrefix(js.Header().Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body.String(), "birthday-day") {
		t.Errorf("card-form.js: got %d %s", js.Code, js.Header().Get("Content-Type"))
	}
}
