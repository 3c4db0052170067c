package casemail

import (
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
)

// Entry is one line of a case's record as people read it: a sentence in
// the reader's language, and what the person typed, each under its label
// (Listen, Remedy, Notes…). The console and the phone case page show the
// same entries.
type Entry struct {
	At     time.Time `json:"at"`
	When   string    `json:"when"` // in the store's time zone, 2006-01-02 15:04
	By     string    `json:"by"`   // a person's address, or the system's name
	Action string    `json:"action"`
	Text   string    `json:"text"`
	Fields []Field   `json:"fields,omitempty"`
}

// Field is one thing typed or chosen, under its label.
type Field struct {
	Key   string `json:"key"` // listened, apology, remedy, satisfied, notes, note, reason
	Label string `json:"label"`
	Value string `json:"value"`
}

// Trail puts a case's audit trail into words, oldest first: each event a
// sentence (no raw keys), each call with everything recorded for it —
// Listen, the apology, the remedy and its details, whether the guest was
// satisfied, the notes — and the note of a resolution or the reason of a
// reopening. cards are the case's cards by id (for "the card of 12:05,
// table 7"); a card missing from it is named by its id.
func Trail(rec casework.Record, st brand.Store, lang i18n.Lang, cards map[string]card.Card) ([]Entry, error) {
	loc, err := st.Location()
	if err != nil {
		return nil, err
	}
	t := func(key string, params map[string]string) string { return i18n.T(lang, key, params) }
	local := func(at time.Time) string { return at.In(loc).Format("2006-01-02 15:04") }
	cardName := func(id string) string {
		c, ok := cards[id]
		if !ok {
			return id
		}
		when := local(c.SubmittedAt)
		if c.Table != "" {
			return t("case.trail.cardTable", map[string]string{"when": when, "table": c.Table})
		}
		return when
	}
	severity := func(s string) string { return t("case.severity."+s, nil) }
	used := make([]bool, len(rec.Case.Contacts))
	contactOf := func(ev casework.Event) (casework.Contact, bool) {
		for i, c := range rec.Case.Contacts {
			if !used[i] && c.At.Equal(ev.At) && c.By == ev.By {
				used[i] = true
				return c, true
			}
		}
		return casework.Contact{}, false
	}
	current := ""
	out := make([]Entry, 0, len(rec.Events))
	for _, ev := range rec.Events {
		who := ev.By
		if who == "triage" || who == "escalation" || who == "" {
			who = t("case.trail.system", nil)
		}
		e := Entry{At: ev.At, When: local(ev.At), By: who, Action: ev.Action}
		p := map[string]string{"who": who}
		switch ev.Action {
		case "opened":
			current = ev.Detail["severity"]
			e.Text = t("case.trail.opened", map[string]string{"card": cardName(ev.Detail["card"]), "severity": severity(current)})
		case "merged":
			e.Text = t("case.trail.merged", map[string]string{"card": cardName(ev.Detail["card"])})
			if s := ev.Detail["severity"]; s != "" && s != current {
				current = s
				e.Text += " " + t("case.trail.raised", map[string]string{"severity": severity(s)})
			}
		case "rejudged":
			current = ev.Detail["severity"]
			e.Text = t("case.trail.rejudged", map[string]string{"card": cardName(ev.Detail["card"]), "severity": severity(current)})
		case "acknowledged", "resolved", "reopened":
			e.Text = t("case.trail."+ev.Action, p)
			if note := ev.Detail["note"]; note != "" {
				e.Fields = append(e.Fields, Field{"note", t("case.trail.field.note", nil), note})
			}
			if reason := ev.Detail["reason"]; reason != "" {
				e.Fields = append(e.Fields, Field{"reason", t("case.trail.field.reason", nil), reason})
			}
		case "contact":
			c, ok := contactOf(ev)
			if !ok { // a contact the case no longer holds: what the audit entry says
				c = casework.Contact{Outcome: casework.Outcome(ev.Detail["outcome"]), ApologyGiven: ev.Detail["apology"] == "true",
					RemedyCategory: ev.Detail["remedy"], Satisfied: ev.Detail["satisfied"]}
			}
			e.Text = t("case.trail.contact."+string(c.Outcome), p)
			e.Fields = contactFields(c, t)
		case "escalated":
			level, _ := strconv.Atoi(ev.Detail["level"])
			e.Text = t("case.trail.escalated."+strconv.Itoa(min(max(level, 1), 2)), nil)
		case "assigned":
			e.Text = t("case.trail.assigned", map[string]string{"who": who, "assignee": assigneeName(st, ev.Detail["assignee"])})
		default:
			e.Text = t("case.trail.other", map[string]string{"who": who, "action": ev.Action})
		}
		out = append(out, e)
	}
	return out, nil
}

// contactFields are what was recorded for a call, each under its label;
// what was left empty is left out.
func contactFields(c casework.Contact, t func(string, map[string]string) string) []Field {
	var out []Field
	add := func(key, value string) {
		if value != "" {
			out = append(out, Field{key, t("case.trail.field."+key, nil), value})
		}
	}
	add("listened", c.Listened)
	if c.ApologyGiven {
		add("apology", t("case.trail.apology.yes", nil))
	} else if c.Outcome == casework.Reached || c.Outcome == casework.Visited {
		add("apology", t("case.trail.apology.no", nil))
	}
	remedy := ""
	if c.RemedyCategory != "" {
		remedy = t("case.remedy."+c.RemedyCategory, nil)
	}
	switch {
	case remedy != "" && c.Remedy != "":
		remedy += " — " + c.Remedy
	case c.Remedy != "":
		remedy = c.Remedy
	}
	add("remedy", remedy)
	if c.Satisfied != "" {
		add("satisfied", t("case.satisfied."+c.Satisfied, nil))
	}
	add("notes", c.Notes)
	return out
}

// assigneeName is a staff member as the store knows them: "Name
// <address>" when it has their name, else the address.
func assigneeName(st brand.Store, email string) string {
	if a, ok := st.Assignee(email); ok && a.Name != "" {
		return a.Name + " <" + a.Email + ">"
	}
	return email
}
