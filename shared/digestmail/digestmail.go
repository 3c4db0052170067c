// Package digestmail writes and sends the nightly summary and the weekly
// digests (shared/digest) as e-mail: HTML and plain text in the store's
// language, the weekly ones with their chart as an inline PNG image (a
// multipart/related part the HTML shows by Content-ID), sent as raw MIME.
package digestmail

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/mail"
)

// rawMailer sends rendered MIME (sesmail.Mailer).
type rawMailer interface {
	// From is the address messages are sent from.
	From() string
	// SendRaw returns SES's message id; errors are fault.Unavailable
	// (retry) or fault.Invalid (do not).
	SendRaw(ctx context.Context, to []string, raw []byte, tags map[string]string) (string, error)
}

// Sender renders and sends digests.
type Sender struct {
	mail    rawMailer
	baseURL string
	now     func() time.Time
}

// New returns a Sender; baseURL is the public URL the dashboard link
// points at.
func New(m rawMailer, baseURL string, now func() time.Time) *Sender {
	return &Sender{mail: m, baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

// Message is a rendered digest: the e-mail and its inline images.
type Message struct {
	mail.Message
	Images []inline
}

// Raw renders the message as MIME from from.
func (m Message) Raw(from string, at time.Time) ([]byte, error) {
	return render(m.Message, from, at, m.Images)
}

func (s *Sender) send(ctx context.Context, m Message) (string, error) {
	raw, err := m.Raw(s.mail.From(), s.now())
	if err != nil {
		return "", err
	}
	id, err := s.mail.SendRaw(ctx, m.To, raw, m.Tags)
	if err != nil {
		return "", fmt.Errorf("send %s digest: %w", m.Tags["kind"], err)
	}
	return id, nil
}

// SendNight renders and sends a nightly summary to its store's manager.
func (s *Sender) SendNight(ctx context.Context, to string, n digest.Night) (string, error) {
	m, err := s.Night(ctx, to, n)
	if err != nil {
		return "", err
	}
	return s.send(ctx, m)
}

// SendWeek renders and sends a store's weekly digest.
func (s *Sender) SendWeek(ctx context.Context, to string, w digest.Week) (string, error) {
	m, err := s.Week(ctx, to, w)
	if err != nil {
		return "", err
	}
	return s.send(ctx, m)
}

// SendRanked renders and sends an area manager's weekly digest.
func (s *Sender) SendRanked(ctx context.Context, r digest.Ranked) (string, error) {
	m, err := s.Ranked(ctx, r)
	if err != nil {
		return "", err
	}
	return s.send(ctx, m)
}

// frame is what every digest e-mail has around its content.
type frame struct {
	Lang         i18n.Lang
	Subject      string
	Heading      string // the store, or the area
	Sub          string // the period
	Intro        string
	DashboardURL string
	Footer       string
	t            func(string) string
}

// T translates a key in the e-mail's language.
func (f frame) T(key string) string { return f.t(key) }

func (s *Sender) frame(lang i18n.Lang, subject, heading, sub, intro string) frame {
	t := func(key string) string { return i18n.T(lang, key, nil) }
	return frame{Lang: lang, Subject: subject, Heading: heading, Sub: sub, Intro: intro,
		DashboardURL: s.baseURL + "/console/", Footer: t("digest.footer"), t: t}
}

type scoreRow struct{ Item, Today, Base string }

type commentRow struct {
	Score string // "2/5" or words for no overall score
	Low   bool
	Meta  string // date, meal (and store, for an area)
	Text  string
}

type caseRow struct{ Diner, Severity, Due, Status string }

type nightView struct {
	frame
	CardsLine, FirstLine, Regulars string
	Scores                         []scoreRow
	Comments                       []commentRow
	NewCases, OpenCases            []caseRow
}

// Night renders a nightly summary.
func (s *Sender) Night(ctx context.Context, to string, n digest.Night) (Message, error) {
	st, lang := n.Store, n.Store.Language
	date := n.Period.Key()
	v := nightView{frame: s.frame(lang,
		i18n.T(lang, "digest.subject.nightly", map[string]string{"store": st.DisplayName(lang), "date": date}),
		st.DisplayName(lang), date, i18n.T(lang, "digest.intro.nightly", nil))}
	if days := len(n.BaselineDates); days > 0 {
		v.CardsLine = i18n.T(lang, "digest.cardsLine", map[string]string{"n": strconv.FormatInt(n.Day.Cards, 10),
			"base": strconv.FormatFloat(float64(n.Baseline.Cards)/float64(digest.BaselineWeeks), 'f', 1, 64)})
	} else {
		v.CardsLine = i18n.T(lang, "digest.cardsNoBase", map[string]string{"n": strconv.FormatInt(n.Day.Cards, 10)})
	}
	v.FirstLine = i18n.T(lang, "digest.firstVsRegular", map[string]string{"first": strconv.FormatInt(n.Day.First, 10), "returning": strconv.FormatInt(n.Day.Returning, 10)})
	if n.Day.RegularsOutnumberFirst {
		v.Regulars = v.T("digest.regularsOutnumber")
	}
	for _, sc := range n.Scores {
		v.Scores = append(v.Scores, scoreRow{Item: casemail.ItemName(sc.Item, lang), Today: avg(sc.Avg, sc.N), Base: avg(sc.BaseAvg, sc.BaseN)})
	}
	v.Comments = commentRows(n.Comments, lang, nil)
	zone := map[string]string{st.ID: st.TimeZone}
	var err error
	if v.NewCases, err = caseRows(n.NewCases, zone, lang); err != nil {
		return Message{}, err
	}
	if v.OpenCases, err = caseRows(n.OpenCases, zone, lang); err != nil {
		return Message{}, err
	}
	var html strings.Builder
	if err := nightHTML(v).Render(ctx, &html); err != nil {
		return Message{}, fmt.Errorf("render nightly summary of %s: %w", st.ID, err)
	}
	return Message{Message: mail.Message{To: []string{to}, Subject: v.Subject, HTML: html.String(), Text: nightText(v),
		Headers: map[string]string{"X-Cardloop-Digest": digest.Nightly + " " + st.ID + " " + date},
		Tags:    map[string]string{"kind": "digest-" + digest.Nightly, "store": st.ID}}}, nil
}

type kpiRow struct {
	Name, Target, Actual, Delta, Status string
	Met, NoData                         bool
}

type dayRow struct{ Date, Cards, CSAT string }

type rankRow struct{ Rank, Store, Cards, CSAT, Delta, Overdue string }

type weekView struct {
	frame
	KPIs        []kpiRow
	ChartCID    string
	ChartAlt    string
	ChartWidth  int
	ChartHeight int
	Days        []dayRow
	Lowest      []commentRow
	Overdue     []caseRow
	Ranking     []rankRow
}

// Week renders a store's weekly digest.
func (s *Sender) Week(ctx context.Context, to string, w digest.Week) (Message, error) {
	st, lang := w.Store, w.Store.Language
	from, until := w.Period.Key(), w.Period.To.Format(time.DateOnly)
	f := s.frame(lang, i18n.T(lang, "digest.subject.weekly", map[string]string{"store": st.DisplayName(lang), "from": from, "to": until}),
		st.DisplayName(lang), from+" – "+until, i18n.T(lang, "digest.intro.weekly", nil))
	return s.week(ctx, to, f, w, map[string]string{st.ID: st.TimeZone}, nil, nil, digest.Weekly, st.ID)
}

// Ranked renders an area manager's weekly digest. Its language is the
// stores' (digest.AreaLang), as staff have no language of their own yet;
// each overdue case's time is given in its store's zone.
func (s *Sender) Ranked(ctx context.Context, r digest.Ranked) (Message, error) {
	lang := r.Lang
	from, until := r.Period.Key(), r.Period.To.Format(time.DateOnly)
	f := s.frame(lang, i18n.T(lang, "digest.subject.area", map[string]string{"n": strconv.Itoa(len(r.Stores)), "from": from, "to": until}),
		i18n.T(lang, "digest.heading.area", nil), from+" – "+until, i18n.T(lang, "digest.intro.area", nil))
	names := map[string]string{}
	zones := map[string]string{}
	var ranking []rankRow
	for i, w := range r.Stores {
		names[w.Store.ID], zones[w.Store.ID] = w.Store.DisplayName(lang), w.Store.TimeZone
		row := rankRow{Rank: strconv.Itoa(i + 1), Store: w.Store.DisplayName(lang), Cards: strconv.FormatInt(w.Figures.Cards, 10),
			CSAT: avg(w.Figures.CSAT.Avg, w.Figures.CSAT.N), Overdue: strconv.Itoa(len(w.Overdue))}
		if w.Figures.CSAT.N > 0 && w.Previous.CSAT.N > 0 {
			row.Delta = signed(w.Figures.CSAT.Avg-w.Previous.CSAT.Avg, 2)
		}
		ranking = append(ranking, row)
	}
	return s.week(ctx, r.Email, f, r.Total, zones, names, ranking, digest.Area, digest.AreaScope)
}

// week renders a week: a store's, or an area's with its stores' names,
// time zones and ranking.
func (s *Sender) week(ctx context.Context, to string, f frame, w digest.Week, zones, storeNames map[string]string, ranking []rankRow, kind, scope string) (Message, error) {
	lang := f.Lang
	v := weekView{frame: f, ChartWidth: ChartWidth, ChartHeight: ChartHeight, Ranking: ranking,
		ChartCID: "chart." + kind + "." + scope + "." + w.Period.Key() + "@cardloop"}
	for _, k := range w.KPIs {
		v.KPIs = append(v.KPIs, kpiLine(k, lang))
	}
	var alt []string
	for _, d := range w.Daily {
		date := d.Date.Format("01-02")
		row := dayRow{Date: date, Cards: strconv.FormatInt(d.Cards, 10), CSAT: avg(d.CSAT, d.CSATN)}
		v.Days = append(v.Days, row)
		key := "digest.chart.dayNone"
		if d.CSATN > 0 {
			key = "digest.chart.day"
		}
		alt = append(alt, i18n.T(lang, key, map[string]string{"date": date, "cards": row.Cards, "csat": row.CSAT}))
	}
	v.ChartAlt = i18n.T(lang, "digest.chart.alt", map[string]string{"days": i18n.List(lang, alt)})
	v.Lowest = commentRows(w.Lowest, lang, storeNames)
	var err error
	if v.Overdue, err = caseRows(w.Overdue, zones, lang); err != nil {
		return Message{}, err
	}
	png, err := Chart(w.Daily)
	if err != nil {
		return Message{}, err
	}
	var html strings.Builder
	if err := weekHTML(v).Render(ctx, &html); err != nil {
		return Message{}, fmt.Errorf("render %s digest %s: %w", kind, scope, err)
	}
	return Message{
		Message: mail.Message{To: []string{to}, Subject: v.Subject, HTML: html.String(), Text: weekText(v),
			Headers: map[string]string{"X-Cardloop-Digest": kind + " " + scope + " " + w.Period.Key()},
			Tags:    map[string]string{"kind": "digest-" + kind, "store": scope}},
		Images: []inline{{ContentID: v.ChartCID, Type: "image/png", Name: "chart.png", Data: png}},
	}, nil
}

func kpiLine(k digest.KPIRow, lang i18n.Lang) kpiRow {
	r := kpiRow{Name: i18n.T(lang, "digest.kpi."+k.Name, nil), Met: k.Met, NoData: k.N <= 0}
	format := func(v float64) string {
		switch k.Name {
		case insight.KPICSAT:
			return strconv.FormatFloat(v, 'f', 2, 64)
		case insight.KPINPS:
			return strconv.FormatFloat(v, 'f', 1, 64)
		case insight.KPIHandling:
			return i18n.T(lang, "digest.hours", map[string]string{"n": strconv.FormatFloat(v, 'f', 1, 64)})
		}
		return strconv.FormatFloat(100*v, 'f', 0, 64) + "%"
	}
	r.Target = "≥ " + format(k.Target)
	if k.AtMost {
		r.Target = "≤ " + format(k.Target)
	}
	switch {
	case r.NoData:
		r.Actual, r.Status = "–", i18n.T(lang, "digest.noData", nil)
	case k.Met:
		r.Actual, r.Status = format(k.Actual), i18n.T(lang, "digest.met", nil)
	default:
		r.Actual, r.Status = format(k.Actual), i18n.T(lang, "digest.notMet", nil)
	}
	if k.HasDelta {
		switch k.Name {
		case insight.KPICSAT:
			r.Delta = signed(k.Delta, 2)
		case insight.KPINPS, insight.KPIHandling:
			r.Delta = signed(k.Delta, 1)
		default:
			r.Delta = signed(100*k.Delta, 0) + " pt"
		}
	}
	return r
}

// signed formats a change with its sign and an arrow.
func signed(d float64, prec int) string {
	s := strconv.FormatFloat(d, 'f', prec, 64)
	switch {
	case strings.Trim(s, "-0.") == "":
		return "→ 0"
	case d > 0:
		return "▲ +" + s
	}
	return "▼ " + s
}

// avg formats an average on 5, or "–" when nothing was rated.
func avg(v float64, n int64) string {
	if n <= 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func commentRows(cs []digest.Comment, lang i18n.Lang, storeNames map[string]string) []commentRow {
	out := make([]commentRow, 0, len(cs))
	for _, c := range cs {
		r := commentRow{Text: c.Text, Meta: c.VisitDate, Low: c.Overall > 0 && c.Overall <= 2}
		if c.Overall > 0 {
			r.Score = strconv.Itoa(c.Overall) + "/5"
		} else {
			r.Score = i18n.T(lang, "digest.noOverall", nil)
		}
		if c.Meal != "" {
			r.Meta += " · " + i18n.T(lang, "card.meal."+c.Meal, nil)
		}
		if name := storeNames[c.StoreID]; name != "" {
			r.Meta = name + " · " + r.Meta
		}
		out = append(out, r)
	}
	return out
}

// caseRows puts cases into words, each due time in its store's zone.
func caseRows(ks []casework.Case, zones map[string]string, lang i18n.Lang) ([]caseRow, error) {
	out := make([]caseRow, 0, len(ks))
	for _, k := range ks {
		due := k.DueAt.UTC().Format("2006-01-02 15:04") + " UTC"
		if zone := zones[k.StoreID]; zone != "" {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return nil, fmt.Errorf("time zone %q: %w", zone, err)
			}
			due = k.DueAt.In(loc).Format("2006-01-02 15:04")
		}
		out = append(out, caseRow{Diner: casemail.DinerName(k, lang), Severity: i18n.T(lang, "case.severity."+string(k.Severity), nil),
			Due: due, Status: i18n.T(lang, "digest.status."+string(k.Status), nil)})
	}
	return out, nil
}

func intAttr(n int) string { return strconv.Itoa(n) }
