package export

import (
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
)

// Columns are the columns of one export: a store's card columns depend on
// its rated items, and contact columns on who exports.
type Columns struct {
	kind     string
	items    []string
	contacts bool
}

// CardColumns are the columns of a cards export of a store rating items
// (brand.Store.Items, in the store's order); contacts adds the diner's
// name, phone and e-mail.
func CardColumns(items []string, contacts bool) Columns {
	return Columns{kind: Cards, items: items, contacts: contacts}
}

// CaseColumns are the columns of a cases export; contacts adds the
// diner's name and phone.
func CaseColumns(contacts bool) Columns { return Columns{kind: Cases, contacts: contacts} }

// Contacts reports whether the columns include the diner's contact details.
func (c Columns) Contacts() bool { return c.contacts }

var (
	cardHead  = []string{"id", "visitDate", "submittedAt", "meal", "source", "table", "server"}
	cardTail  = []string{"nps", "firstVisit", "visitCount", "reason", "heardFrom", "mainCourse", "comment", "transcribedAt", "contactConsent", "marketingConsent"}
	cardDiner = []string{"dinerName", "dinerPhone", "dinerEmail"}
	caseCols  = []string{"id", "visitDate", "openedAt", "severity", "reasons", "status", "noContact", "dueAt", "acknowledgedAt", "firstContactAt", "resolvedAt", "escalationLevel", "firstContactResolution", "reopens", "cards"}
	caseDiner = []string{"dinerName", "dinerPhone"}
)

// Header is the header row in lang: each column's name as the reader
// reads it ("export.col.<name>"; a rated item by its name on the card).
func (c Columns) Header(lang i18n.Lang) []string {
	word := func(name string) string { return i18n.T(lang, "export.col."+name, nil) }
	var out []string
	if c.kind == Cases {
		for _, n := range caseCols {
			out = append(out, word(n))
		}
		if c.contacts {
			for _, n := range caseDiner {
				out = append(out, word(n))
			}
		}
		return out
	}
	for _, n := range cardHead {
		out = append(out, word(n))
	}
	for _, item := range c.items {
		out = append(out, i18n.T(lang, "export.col.rating", map[string]string{"item": i18n.T(lang, "card.item."+item, nil)}))
	}
	for _, n := range cardTail {
		out = append(out, word(n))
	}
	if c.contacts {
		for _, n := range cardDiner {
			out = append(out, word(n))
		}
	}
	return out
}

// CardRow is a card's row under CardColumns. Unrated items and unanswered
// questions are empty cells.
func (c Columns) CardRow(k card.Card) []string {
	row := []string{k.ID, k.VisitDate, stamp(&k.SubmittedAt), k.Meal, k.Source, k.Table, k.Server}
	for _, item := range c.items {
		v, ok := k.Ratings[item]
		row = append(row, intIf(v, ok))
	}
	row = append(row,
		intPtr(k.NPS), boolPtr(k.FirstVisit), intPtr(k.VisitCount), k.Reason, k.HeardFrom, k.MainCourse,
		k.Comment, stamp(k.TranscribedAt), strconv.FormatBool(k.Consent.Contact != nil), strconv.FormatBool(k.Consent.Marketing != nil))
	if c.contacts {
		row = append(row, k.Diner.Name, k.Diner.Phone, k.Diner.Email)
	}
	return row
}

// CaseRow is a case's row under CaseColumns.
func (c Columns) CaseRow(k casework.Case) []string {
	reasons := make([]string, 0, len(k.Reasons))
	for _, r := range k.Reasons {
		s := r.Rule
		if r.Detail != "" {
			s += ":" + r.Detail
		}
		reasons = append(reasons, s)
	}
	row := []string{
		k.ID, k.VisitDate, stamp(&k.OpenedAt), string(k.Severity), join(reasons), string(k.Status),
		strconv.FormatBool(k.NoContact), stamp(&k.DueAt), stamp(k.Acknowledged), stamp(k.FirstContact), stamp(k.ResolvedAt),
		strconv.Itoa(k.Level), strconv.FormatBool(k.FirstResolved), strconv.Itoa(k.Reopens), join(k.CardIDs),
	}
	if c.contacts {
		row = append(row, k.DinerName, k.DinerPhone)
	}
	return row
}

func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func intIf(v int, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.Itoa(v)
}

func intPtr(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func boolPtr(v *bool) string {
	if v == nil {
		return ""
	}
	return strconv.FormatBool(*v)
}
