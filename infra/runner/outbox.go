package runner

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
)

// outboxMail is one message the emulator's SES accepted, parsed for reading.
type outboxMail struct {
	N       int                 `json:"n"`
	Kind    string              `json:"kind"` // Message, RawMessage, TemplateMessage
	From    string              `json:"from"`
	To      []string            `json:"to"`
	Subject string              `json:"subject"`
	Date    string              `json:"date,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
	Text    string              `json:"text,omitempty"`
	HTML    string              `json:"html,omitempty"`
}

// outbox shows every e-mail the emulator's SES has accepted, newest first,
// with its headers, its text part and its HTML part rendered (in a sandboxed
// frame whose links open in a new tab), so a person sees what a manager got
// and can click its links. ?format=json (or Accept: application/json) gives
// the same as JSON.
func outbox(endpoint string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mails, held, err := readOutbox(r.Context(), endpoint)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if q := r.URL.Query().Get("to"); q != "" {
			mails = slices.DeleteFunc(mails, func(m outboxMail) bool { return !slices.Contains(m.To, q) })
		}
		if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(mails)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = outboxTmpl.Execute(w, struct {
			Mails []outboxMail
			Held  []heldGreeting
		}{mails, held})
	})
}

// Mail is one e-mail the emulator's SES accepted, parsed as the outbox page
// shows it: From, To, Subject, Text and HTML.
type Mail = outboxMail

// ReadOutbox returns every e-mail the emulator at endpoint has accepted,
// newest first (for tools that check what was sent, such as the load run).
// It waits as long as ctx lets it: the emulator answers with its whole
// state, which takes minutes once it holds thousands of items.
func ReadOutbox(ctx context.Context, endpoint string) ([]Mail, error) {
	mails, _, err := fetchOutbox(ctx, endpoint, time.Now())
	return mails, err
}

func readOutbox(ctx context.Context, endpoint string) ([]outboxMail, []heldGreeting, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return fetchOutbox(ctx, endpoint, time.Now())
}

// heldGreeting is a greeting job the sender handed back to its queue,
// hidden until the store's quiet hours end (greetings.Send): not sent, not
// failed, held until a time shown in the store's own zone.
type heldGreeting struct {
	Campaign, Store string
	Greetings       int
	Until           string // "09:00 store time (Asia/Taipei), 2026-12-02"
}

// heldAfter is how far ahead a hidden message's return must be for the
// page to call it held rather than being handled right now (the queue's
// visibility timeout is shorter).
const heldAfter = 5 * time.Minute

// sqsMessage is one message of moto's SQS state; greeting jobs are told
// from other queues' messages by their body.
type sqsMessage struct {
	ID        string  `json:"id"`
	Body      string  `json:"body"`
	Visible   bool    `json:"visible"`
	VisibleAt float64 `json:"visible_at"` // Unix milliseconds
}

// heldGreetings returns the greeting jobs hidden until after now+heldAfter.
func heldGreetings(msgs []sqsMessage, now time.Time) []heldGreeting {
	var out []heldGreeting
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.ID] || m.Visible {
			continue
		}
		seen[m.ID] = true
		at := time.UnixMilli(int64(m.VisibleAt))
		var job struct {
			CampaignID string            `json:"campaignId"`
			StoreID    string            `json:"storeId"`
			TimeZone   string            `json:"timeZone"`
			Diners     []json.RawMessage `json:"diners"`
		}
		if json.Unmarshal([]byte(m.Body), &job) != nil || job.CampaignID == "" || job.StoreID == "" || !at.After(now.Add(heldAfter)) {
			continue
		}
		until := at.UTC().Format("15:04") + " UTC, " + at.UTC().Format(time.DateOnly)
		if loc, err := time.LoadLocation(job.TimeZone); err == nil && job.TimeZone != "" {
			local := at.In(loc).Round(time.Minute)
			until = local.Format("15:04") + " store time (" + job.TimeZone + "), " + local.Format(time.DateOnly)
		}
		out = append(out, heldGreeting{Campaign: job.CampaignID, Store: job.StoreID, Greetings: len(job.Diners), Until: until})
	}
	return out
}

func fetchOutbox(ctx context.Context, endpoint string, now time.Time) ([]outboxMail, []heldGreeting, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/data.json", nil)
	if err != nil {
		return nil, nil, fmt.Errorf("outbox: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("outbox: emulator unavailable: %w", err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			Message []struct {
				Source       string `json:"source"`
				Destinations any    `json:"destinations"`
				Subject      string `json:"subject"`
				Body         string `json:"body"`
			} `json:"Message"`
			RawMessage []struct {
				Source       string `json:"source"`
				Destinations any    `json:"destinations"`
				RawData      string `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
		SQS struct {
			Message []sqsMessage `json:"Message"`
		} `json:"sqs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		return nil, nil, fmt.Errorf("outbox: emulator data unreadable: %w", err)
	}
	var mails []outboxMail
	for _, m := range data.SES.Message {
		mails = append(mails, outboxMail{Kind: "Message", From: m.Source, To: addresses(m.Destinations), Subject: m.Subject, HTML: m.Body})
	}
	for _, m := range data.SES.RawMessage {
		mails = append(mails, parseRaw(m.Source, addresses(m.Destinations), m.RawData))
	}
	for i := range mails {
		mails[i].N = i + 1
	}
	slices.Reverse(mails) // newest first
	return mails, heldGreetings(data.SQS.Message, now), nil
}

// addresses flattens moto's destinations (a list, or a map of To/Cc/Bcc
// lists), without the repeats moto records for raw messages.
func addresses(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func parseRaw(from string, to []string, raw string) outboxMail {
	m := outboxMail{Kind: "RawMessage", From: from, To: to}
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		m.Text = raw
		return m
	}
	dec := new(mime.WordDecoder)
	m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	m.Date = msg.Header.Get("Date")
	m.Headers = map[string][]string{}
	for k, v := range msg.Header {
		if k != "Subject" && k != "Content-Type" && k != "Mime-Version" {
			m.Headers[k] = v
		}
	}
	inline := map[string]string{}
	readParts(msg.Header, msg.Body, &m, inline)
	m.HTML = showInline(m.HTML, inline)
	return m
}

// partHeader is a message's or a part's header.
type partHeader interface{ Get(key string) string }

// readParts reads a part, or each part of a multipart one, into m: the
// text and HTML parts, and the inline images (by Content-ID, as data:
// URLs) into inline.
func readParts(h partHeader, body io.Reader, m *outboxMail, inline map[string]string) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		b, _ := io.ReadAll(body)
		m.Text = string(b)
		return
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextPart()
			if err != nil {
				return
			}
			readParts(p.Header, p, m, inline) // NextPart decodes quoted-printable
		}
	}
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body) // line breaks are skipped
	}
	b, _ := io.ReadAll(body)
	switch {
	case mt == "text/html":
		m.HTML = string(b)
	case mt == "text/plain":
		m.Text = string(bytes.TrimSpace(b))
	case strings.HasPrefix(mt, "image/") && h.Get("Content-Id") != "":
		id := strings.Trim(strings.TrimSpace(h.Get("Content-Id")), "<>")
		inline[id] = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(b)
	}
}

// showInline points the HTML's cid: references (RFC 2392, <img
// src="cid:…">) at the images they name, so the outbox shows them as a
// mail client would.
func showInline(html string, inline map[string]string) string {
	for id, data := range inline {
		html = strings.ReplaceAll(html, "cid:"+id, data)
		if esc := url.PathEscape(id); esc != id {
			html = strings.ReplaceAll(html, "cid:"+esc, data)
		}
	}
	return html
}

var outboxTmpl = template.Must(template.New("outbox").Funcs(template.FuncMap{
	"join": strings.Join,
	"frame": func(html string) string { // links open in a new tab, outside the frame
		return `<base target="_blank">` + html
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Outbox (local)</title>
<style>
body{font-family:system-ui,"Noto Sans CJK TC",sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a}
article{border:1px solid #ccc;border-radius:8px;margin:1.5rem 0;padding:1rem}
h2{font-size:1.15rem;margin:.2rem 0 .6rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0 0 .8rem;font-size:.9rem}
dt{font-weight:600;color:#444}dd{margin:0;word-break:break-all}
iframe{width:100%;height:38rem;border:1px solid #ddd;border-radius:4px;background:#fff}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem;font-size:.9rem}
details{margin:.4rem 0}
</style></head><body><main>
<h1>Outbox</h1>
<p>Every e-mail the emulator's SES accepted, newest first ({{len .Mails}}). <a href="/">Home</a> · <a href="?format=json">JSON</a></p>
{{if .Held}}<section id="held" aria-labelledby="held-h"><h2 id="held-h">Held by quiet hours</h2>
<p>Greetings that reached the sender during the store's quiet hours: not sent and not failed, they go out when the hours end (GREETING_QUIET_HOURS in infra/local.yaml).</p>
<ul>{{range .Held}}<li data-held="{{.Campaign}}">{{.Greetings}} greeting(s) of campaign {{.Campaign}} at store {{.Store}}: held until {{.Until}}</li>{{end}}</ul></section>{{end}}
{{range .Mails}}<article id="m{{.N}}">
<h2>#{{.N}} {{.Subject}}</h2>
<dl><dt>From</dt><dd>{{.From}}</dd><dt>To</dt><dd>{{join .To ", "}}</dd>{{if .Date}}<dt>Date</dt><dd>{{.Date}}</dd>{{end}}</dl>
{{if .Headers}}<details><summary>Headers</summary><dl>{{range $k, $v := .Headers}}<dt>{{$k}}</dt><dd>{{join $v ", "}}</dd>{{end}}</dl></details>{{end}}
{{if .HTML}}<iframe title="HTML part of message {{.N}}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="{{frame .HTML}}"></iframe>{{end}}
{{if .Text}}<details{{if not .HTML}} open{{end}}><summary>Plain text</summary><pre>{{.Text}}</pre></details>{{end}}
</article>{{else}}<p>No e-mail sent yet.</p>{{end}}
</main></body></html>
`))
