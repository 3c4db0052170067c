package casemail_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
)

// TestRenderedEssentials renders one reminder (it carries both links) in
// each language and checks what a manager must get from it: the subject,
// the diner's own words escaped in the HTML part and kept as typed in the
// text part, the tap-to-call link, and well-formed signed links that are
// the same in both parts.
func TestRenderedEssentials(t *testing.T) {
	const (
		name    = `林<i>小姐</i>`
		comment = `<script>x</script> & 'steak' "cold"`
	)
	tests := []struct {
		lang                 i18n.Lang
		subject              string
		call, ack, open, low string
	}{
		{i18n.ZhTW, "【提醒・需致歉回電】台北信義店：" + name + " 的案件已逾期", "撥打電話", "我已收到（確認）", "開啟案件並記錄", "偏低"},
		{i18n.ZhCN, "【提醒・需致歉回电】台北信义店：" + name + " 的案件已逾期", "拨打电话", "我已收到（确认）", "打开案件并记录", "偏低"},
		{i18n.En, "[Reminder · Apology call] Taipei Xinyi: case of " + name + " is overdue", "Call", "Acknowledge", "Open the case", "low"},
	}
	signer := signerAt(stored)
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			k, f := caseFor("S001", false)
			k.DinerName = name
			c := f.cards["c1"]
			c.Comment = comment
			f.cards["c1"] = c
			st := f.stores["S001"]
			st.Language = tt.lang
			f.stores["S001"] = st
			m, err := newSender(f, signer).Render(context.Background(), casework.Notice{Kind: casework.NoticeReminder, To: "m@example.com", Level: 1}, k)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject: got %q, want %q", m.Subject, tt.subject)
			}
			if want := "<title>" + html.EscapeString(tt.subject) + "</title>"; !strings.Contains(m.HTML, want) {
				t.Errorf("HTML title: want %q", want)
			}

			// What the diner typed is text in the HTML part, never markup.
			for _, typed := range []string{"<script>", "<i>", `'steak'`, `"cold"`} {
				if strings.Contains(m.HTML, typed) {
					t.Errorf("HTML: got %q unescaped", typed)
				}
			}
			for _, want := range []string{
				"&lt;script&gt;x&lt;/script&gt; &amp; &#39;steak&#39; &#34;cold&#34;",
				"<b>林&lt;i&gt;小姐&lt;/i&gt;</b>",
			} {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML: want %q", want)
				}
			}
			if want := `  "` + comment + `"` + "\n"; !strings.Contains(m.Text, want) {
				t.Errorf("text: want the comment as typed, %q", want)
			}

			// Tap to call: the number beside the name and the call button.
			hrefs := hrefsOf(m.HTML)
			if !slices.Contains(hrefs, "tel:+886912345678") || strings.Count(m.HTML, `href="tel:+886912345678"`) != 2 {
				t.Errorf("tel links: got hrefs %q, want tel:+886912345678 twice", hrefs)
			}
			if want := "&#9742; " + tt.call + " +886912345678</a>"; !strings.Contains(m.HTML, want) {
				t.Errorf("call button: want %q", want)
			}
			if !strings.Contains(m.Text, " · tel:+886912345678\n") {
				t.Error("text: no tel: link")
			}
			if !strings.Contains(m.HTML, "&#9660; "+tt.low) {
				t.Errorf("the low rating is not marked %q", tt.low)
			}

			// The signed links: escaped in the attribute, whole once decoded,
			// valid, and the same in both parts.
			textLinks := links(t, m.Text)
			for _, action := range []string{"ack", "open"} {
				var got string
				for _, h := range hrefs {
					if strings.Contains(h, "a="+action+"&") {
						got = h
					}
				}
				u, err := url.Parse(got)
				if err != nil || u.Scheme != "https" || u.Host != "cards.example.com" || u.Path != "/k/k_this" {
					t.Errorf("%s link: got %q (%v), want https://cards.example.com/k/k_this?…", action, got, err)
					continue
				}
				if _, err := signer.Check("k_this", action, u.Query()); err != nil {
					t.Errorf("%s link: %v", action, err)
				}
				if !strings.Contains(m.HTML, `href="`+html.EscapeString(got)+`"`) || strings.Contains(m.HTML, "a="+action+"&e=") {
					t.Errorf("%s link: the & of the query is not escaped in the attribute", action)
				}
				if tl := textLinks[action]; tl.Encode() != u.Query().Encode() {
					t.Errorf("%s link: text part has %v, HTML part %v", action, tl, u.Query())
				}
			}
			for _, button := range []string{tt.ack, tt.open} {
				if !strings.Contains(m.HTML, ">"+button+"</a>") {
					t.Errorf("HTML: no button %q", button)
				}
			}
		})
	}
}

// hrefsOf returns the decoded href of every link of an HTML part.
func hrefsOf(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(s, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}
