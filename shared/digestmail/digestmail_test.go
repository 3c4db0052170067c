package digestmail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/digestmail"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/triage"
)

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

var week = digest.Period{From: day("2026-11-23"), To: day("2026-11-29")}

func sampleWeek(lang i18n.Lang) digest.Week {
	st := brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Language: lang, Items: []string{"main"},
		Name: map[i18n.Lang]string{i18n.ZhTW: "台北信義店", i18n.ZhCN: "台北信义店", i18n.En: "Taipei Xinyi"}}
	overall := func(v int) map[string]int { return map[string]int{"overall": v, "main": v} }
	cards := []card.Card{
		{ID: "c1", StoreID: "S001", VisitDate: "2026-11-23", Ratings: overall(1), Comment: `<script>alert(1)</script> 牛排太老`, Meal: "dinner"},
		{ID: "c2", StoreID: "S001", VisitDate: "2026-11-24", Ratings: overall(5), Comment: "很棒"},
		{ID: "c3", StoreID: "S001", VisitDate: "2026-11-24", Ratings: overall(4)},
	}
	counters := map[insight.Period]insight.Counters{}
	for _, c := range cards {
		p := insight.Period{Level: insight.Day, Key: c.VisitDate}
		if counters[p] == nil {
			counters[p] = insight.Counters{}
		}
		counters[p].Add(insight.Count(c))
	}
	now := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	cases := []casework.Case{{ID: "k1", StoreID: "S001", Status: casework.Open, Severity: triage.Apology, DinerName: "林小姐", DueAt: now.Add(-time.Hour)}}
	return digest.ComposeWeek(st, week, counters, cards, cases, insight.DefaultTargets, now)
}

// TestChart: the chart is a PNG of the stated size, and it draws something
// (bars and a line on white).
func TestChart(t *testing.T) {
	w := sampleWeek(i18n.En)
	b, err := digestmail.Chart(w.Daily)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := img.Bounds().Size(); got.X != digestmail.ChartWidth || got.Y != digestmail.ChartHeight {
		t.Errorf("size: got %v, want %dx%d", got, digestmail.ChartWidth, digestmail.ChartHeight)
	}
	colours := map[[3]uint32]bool{}
	for y := 0; y < digestmail.ChartHeight; y += 2 {
		for x := 0; x < digestmail.ChartWidth; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	for name, c := range map[string][3]uint32{"bar": {0xc9, 0x8b, 0x8b}, "line": {0x1f, 0x5f, 0x2a}} {
		if !colours[c] {
			t.Errorf("the chart has no %s colour %x", name, c)
		}
	}
	if _, err := digestmail.Chart(nil); err != nil {
		t.Errorf("an empty week: %v", err)
	}
}

type part struct {
	typ, cid, body string
}

// parts walks a MIME message and returns its leaf parts, decoded.
func parts(t *testing.T, r io.Reader, ctype string) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("got %s, want multipart", mt)
	}
	var out []part
	mr := multipart.NewReader(r, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			out = append(out, part{typ: ct})
			out = append(out, parts(t, p, ct)...)
			continue
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
		out = append(out, part{typ: ct, cid: p.Header.Get("Content-Id"), body: string(b)})
	}
}

type fakeRaw struct {
	to  []string
	raw []byte
}

func (f *fakeRaw) From() string { return "cards@example.com" }
func (f *fakeRaw) SendRaw(_ context.Context, to []string, raw []byte, _ map[string]string) (string, error) {
	f.to, f.raw = to, raw
	return "id-1", nil
}

// TestWeekMessage: the weekly digest is text and HTML, the HTML in a
// related part with the chart as an inline PNG it shows by Content-ID,
// the words in the store's language, the diner's words escaped.
func TestWeekMessage(t *testing.T) {
	tests := []struct {
		lang                           i18n.Lang
		subject, kpi, chartTitle, none string
	}{
		{i18n.ZhTW, "【每週摘要】台北信義店 2026-11-23～2026-11-29", "顧客滿意度（總體平均）", "每日意見卡與總體平均分", "逾期仍未聯絡的案件"},
		{i18n.ZhCN, "【每周摘要】台北信义店 2026-11-23～2026-11-29", "顾客满意度（总体平均）", "每日意见卡与总体平均分", "逾期仍未联系的案件"},
		{i18n.En, "[Weekly digest] Taipei Xinyi, 2026-11-23 to 2026-11-29", "CSAT (overall average)", "Cards and overall score by day", "Open cases past their due time"},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			raw := &fakeRaw{}
			s := digestmail.New(raw, "https://cards.example.com/", func() time.Time { return time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) })
			id, err := s.SendWeek(context.Background(), "manager.s001@example.com", sampleWeek(tt.lang))
			if err != nil || id != "id-1" {
				t.Fatalf("send: got %q, %v", id, err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw.raw))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if subject != tt.subject || msg.Header.Get("To") != "manager.s001@example.com" || msg.Header.Get("From") != "cards@example.com" {
				t.Errorf("headers: got subject %q to %q from %q", subject, msg.Header.Get("To"), msg.Header.Get("From"))
			}
			ps := parts(t, msg.Body, msg.Header.Get("Content-Type"))
			var kinds []string
			for _, p := range ps {
				mt, _, _ := mime.ParseMediaType(p.typ)
				kinds = append(kinds, mt)
			}
			if got := strings.Join(kinds, ","); got != "text/plain,multipart/related,text/html,image/png" {
				t.Fatalf("parts: got %s, want text/plain,multipart/related,text/html,image/png", got)
			}
			text, html, img := ps[0].body, ps[2].body, ps[3]
			cid := strings.Trim(img.cid, "<>")
			if cid == "" || !strings.Contains(html, `src="cid:`+cid+`"`) {
				t.Errorf("the HTML does not show the image part %q by its Content-ID", img.cid)
			}
			data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(img.body, "\r\n", ""))
			if err != nil {
				t.Fatalf("the image part is not base64: %v", err)
			}
			if p, err := png.Decode(bytes.NewReader(data)); err != nil || p.Bounds().Dx() != digestmail.ChartWidth {
				t.Errorf("the image part: %v; want the chart PNG", err)
			}
			if !strings.Contains(html, `alt="`) || strings.Contains(html, `alt=""`) {
				t.Error("the chart has no alt text")
			}
			for _, want := range []string{tt.kpi, tt.chartTitle, tt.none, "https://cards.example.com/console/", "&lt;script&gt;", "林小姐"} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML lacks %q", want)
				}
			}
			if strings.Contains(html, "<script>") {
				t.Error("HTML: the comment's markup is not escaped")
			}
			for _, want := range []string{tt.kpi, "<script>alert(1)</script> 牛排太老", "https://cards.example.com/console/", "1/5"} {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
		})
	}
}

// TestNightMessage: the nightly summary has no image: text and HTML only.
func TestNightMessage(t *testing.T) {
	st := brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Name: map[i18n.Lang]string{i18n.ZhTW: "台北信義店"}}
	p := digest.Period{From: day("2026-11-27"), To: day("2026-11-27")}
	c := card.Card{ID: "c1", StoreID: "S001", VisitDate: "2026-11-27", Ratings: map[string]int{"overall": 2}, Comment: "太鹹"}
	counters := map[insight.Period]insight.Counters{{Level: insight.Day, Key: "2026-11-27"}: insight.Count(c)}
	loc, _ := time.LoadLocation("Asia/Taipei")
	n := digest.ComposeNight(st, p, loc, counters, []card.Card{c}, nil)
	m, err := digestmail.New(&fakeRaw{}, "https://cards.example.com", time.Now).Night(context.Background(), "m@example.com", n)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "【每日摘要】台北信義店 2026-11-27" || len(m.Images) != 0 {
		t.Errorf("got %q with %d images, want the zh-TW subject and none", m.Subject, len(m.Images))
	}
	for _, want := range []string{"1 張意見卡（前四週同一天沒有意見卡）", "2/5", "太鹹", "今天新開的案件"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("text and HTML: want %q in both", want)
		}
	}
	raw, err := m.Raw("cards@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "multipart/related") || !strings.Contains(string(raw), "multipart/alternative") {
		t.Error("nightly: want multipart/alternative without a related part")
	}
}

// TestHeaderInjection: a recipient or a header with a line break is
// refused.
func TestHeaderInjection(t *testing.T) {
	w := sampleWeek(i18n.En)
	s := digestmail.New(&fakeRaw{}, "https://cards.example.com", time.Now)
	if _, err := s.SendWeek(context.Background(), "a@example.com\r\nBcc: x@example.com", w); err == nil {
		t.Error("a recipient with a line break: got sent, want refused")
	}
}
