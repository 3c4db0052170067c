// Package greeting is cardloop's marketing side (PRODUCT.md 4.3): campaigns
// that greet consenting diners on their birthday or on a holiday, the
// planner that finds who is due through indexes, and the sender that checks
// every rule before it sends, and never sends twice.
package greeting

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/occasion"
)

// Status is where a campaign is in its life.
type Status string

// The campaign lifecycle: draft → approved → scheduled → sending → done, or
// cancelled from any state before done. Editing an approved campaign returns
// it to draft, so what was approved is what is sent.
const (
	Draft     Status = "draft"
	Approved  Status = "approved"
	Scheduled Status = "scheduled"
	Sending   Status = "sending"
	Done      Status = "done"
	Cancelled Status = "cancelled"
)

// Active reports whether the planner looks at campaigns in status s.
func (s Status) Active() bool { return s == Scheduled || s == Sending }

// Content is one language's subject and body. Both may use the
// placeholders {name}, {store}, {occasion} and {coupon}.
type Content struct {
	Subject string `json:"subject" dynamodbav:"subject"`
	Body    string `json:"body" dynamodbav:"body"`
}

// Segment says which diners a campaign reaches. Empty fields do not narrow.
type Segment struct {
	Stores              []string    `json:"stores,omitempty" dynamodbav:"stores,omitempty"` // the diner's home store (of their latest card); empty: every store of the brand
	Languages           []i18n.Lang `json:"languages,omitempty" dynamodbav:"languages,omitempty"`
	VisitedWithinMonths int         `json:"visitedWithinMonths,omitempty" dynamodbav:"visitedWithinMonths,omitempty"`
	MinVisits           int         `json:"minVisits,omitempty" dynamodbav:"minVisits,omitempty"`
}

// Results count what happened to a campaign's greetings.
type Results struct {
	Planned      int `json:"planned" dynamodbav:"planned"`
	Sent         int `json:"sent" dynamodbav:"sent"`
	Skipped      int `json:"skipped" dynamodbav:"skipped"` // consent gone, suppressed, on hold, capped
	Failed       int `json:"failed" dynamodbav:"failed"`   // SES refused, or gave up after retries
	Delivered    int `json:"delivered" dynamodbav:"delivered"`
	Bounced      int `json:"bounced" dynamodbav:"bounced"`
	Complained   int `json:"complained" dynamodbav:"complained"`
	Unsubscribed int `json:"unsubscribed" dynamodbav:"unsubscribed"`
}

// Campaign is one greeting campaign of a brand.
type Campaign struct {
	ID       string `json:"id" dynamodbav:"campaignId"`
	BrandID  string `json:"brandId" dynamodbav:"brandId"`
	Name     string `json:"name" dynamodbav:"name"`
	Occasion string `json:"occasion" dynamodbav:"occasion"` // "birthday", a calendar id (occasion.IDs) or "custom"
	// CustomDate (YYYY-MM-DD) and CustomNames describe a custom occasion.
	CustomDate  string                `json:"customDate,omitempty" dynamodbav:"customDate,omitempty"`
	CustomNames map[i18n.Lang]string  `json:"customNames,omitempty" dynamodbav:"customNames,omitempty"`
	Segment     Segment               `json:"segment" dynamodbav:"segment"`
	Content     map[i18n.Lang]Content `json:"content" dynamodbav:"content"`
	// LeadDays is how many days before the occasion the greeting goes out;
	// SendHour the hour (0–23) in each store's own time zone.
	LeadDays int `json:"leadDays" dynamodbav:"leadDays"`
	SendHour int `json:"sendHour" dynamodbav:"sendHour"`
	// SendHours overrides SendHour for some stores (by store id).
	SendHours map[string]int `json:"sendHours,omitempty" dynamodbav:"sendHours,omitempty"`
	// CouponPrefix, when set, gives each diner a code of its own ({coupon}).
	CouponPrefix string `json:"couponPrefix,omitempty" dynamodbav:"couponPrefix,omitempty"`
	// Year is the occasion's year a holiday campaign greets (birthday
	// campaigns are standing: every day, every year).
	Year       int        `json:"year,omitempty" dynamodbav:"year,omitempty"`
	Status     Status     `json:"status" dynamodbav:"status"`
	CreatedBy  string     `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt" dynamodbav:"updatedAt"`
	ApprovedBy string     `json:"approvedBy,omitempty" dynamodbav:"approvedBy,omitempty"`
	ApprovedAt *time.Time `json:"approvedAt,omitempty" dynamodbav:"approvedAt,omitempty"`
	// SubmittedBy asked for approval at SubmittedAt; the approvers were
	// e-mailed at NotifiedAt (once per submission: Desk.Submit).
	SubmittedBy string     `json:"submittedBy,omitempty" dynamodbav:"submittedBy,omitempty"`
	SubmittedAt *time.Time `json:"submittedAt,omitempty" dynamodbav:"submittedAt,omitempty"`
	NotifiedAt  *time.Time `json:"notifiedAt,omitempty" dynamodbav:"notifiedAt,omitempty"`
	Results     Results    `json:"results" dynamodbav:"results"`
	Version     int        `json:"version" dynamodbav:"version"` // optimistic lock
}

// BirthdayID is the occasion id of birthday campaigns.
const BirthdayID = "birthday"

// Birthday reports whether c is a standing birthday campaign.
func (c Campaign) Birthday() bool { return c.Occasion == BirthdayID }

// placeholder finds {word} placeholders.
var placeholder = regexp.MustCompile(`\{([a-zA-Z_]*)\}`)

// Placeholders are the names a template may use.
var Placeholders = []string{"name", "store", "occasion", "coupon"}

// Limits on what marketing types.
const (
	MaxSubject = 150
	MaxBody    = 5000
	MaxLead    = 60
)

// Validate checks a campaign before it is saved, naming every bad field.
func (c Campaign) Validate() error {
	var bad []fault.FieldError
	add := func(field, rule string) { bad = append(bad, fault.FieldError{Field: field, Rule: rule}) }
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 200 {
		add("name", "required")
	}
	switch {
	case c.Occasion == BirthdayID:
	case c.Occasion == occasion.CustomID:
		if _, err := time.Parse(time.DateOnly, c.CustomDate); err != nil {
			add("customDate", "date")
		}
		if len(c.CustomNames) == 0 {
			add("customNames", "required")
		}
	case slices.Contains(occasion.IDs(), c.Occasion):
	default:
		add("occasion", "unknown")
	}
	if !c.Birthday() && c.Occasion != occasion.CustomID && (c.Year < occasion.MinYear || c.Year > occasion.MaxYear) {
		add("year", "range")
	}
	if c.LeadDays < 0 || c.LeadDays > MaxLead {
		add("leadDays", "range")
	}
	if c.SendHour < 0 || c.SendHour > 23 || DefaultQuietHours.Contains(c.SendHour) {
		add("sendHour", "quietHours")
	}
	for st, h := range c.SendHours {
		if h < 0 || h > 23 || DefaultQuietHours.Contains(h) {
			add("sendHours."+st, "quietHours")
		}
	}
	if len(c.Content) == 0 {
		add("content", "required")
	}
	for lang, ct := range c.Content {
		if _, ok := i18n.Parse(string(lang)); !ok {
			add("content."+string(lang), "language")
			continue
		}
		if s := strings.TrimSpace(ct.Subject); s == "" || len([]rune(s)) > MaxSubject || strings.ContainsAny(s, "\r\n") {
			add("content."+string(lang)+".subject", "length")
		}
		if b := strings.TrimSpace(ct.Body); b == "" || len([]rune(b)) > MaxBody {
			add("content."+string(lang)+".body", "length")
		}
		for _, s := range []string{ct.Subject, ct.Body} {
			for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
				if !slices.Contains(Placeholders, m[1]) {
					add("content."+string(lang), "placeholder")
				}
			}
		}
		if strings.Contains(ct.Subject+ct.Body, "{coupon}") && c.CouponPrefix == "" {
			add("couponPrefix", "required")
		}
	}
	for _, l := range c.Segment.Languages {
		if _, ok := c.Content[l]; !ok {
			add("content."+string(l), "required")
		}
	}
	if c.Segment.VisitedWithinMonths < 0 || c.Segment.MinVisits < 0 {
		add("segment", "range")
	}
	if c.CouponPrefix != "" && !couponPrefix.MatchString(c.CouponPrefix) {
		add("couponPrefix", "format")
	}
	if len(bad) > 0 {
		return &fault.Error{Code: fault.Invalid, Message: "The campaign has invalid fields.", Fields: bad}
	}
	return nil
}

var couponPrefix = regexp.MustCompile(`^[A-Z0-9]{1,12}$`)

// StoreCount is how many stores the campaign reaches among the brand's.
func (c Campaign) StoreCount(brandStores int) int {
	if len(c.Segment.Stores) == 0 {
		return brandStores
	}
	return len(c.Segment.Stores)
}

// Approve records approval by who. A campaign that reaches more than one
// store needs a second person: its author may not approve it.
func (c *Campaign) Approve(by string, brandStores int, now time.Time) error {
	if c.Status != Draft {
		return fault.New(fault.Conflict, "Only a draft can be approved; this campaign is %s.", c.Status)
	}
	if c.StoreCount(brandStores) > 1 && strings.EqualFold(by, c.CreatedBy) {
		return fault.New(fault.Forbidden, "A campaign for more than one store must be approved by someone other than its author.")
	}
	c.Status, c.ApprovedBy, c.ApprovedAt, c.UpdatedAt = Approved, by, &now, now
	return nil
}

// Schedule hands an approved campaign to the planner.
func (c *Campaign) Schedule(now time.Time) error {
	if c.Status != Approved {
		return fault.New(fault.Conflict, "Only an approved campaign can be scheduled; this one is %s.", c.Status)
	}
	c.Status, c.UpdatedAt = Scheduled, now
	return nil
}

// Cancel stops a campaign; greetings already sent stay sent, none follow.
func (c *Campaign) Cancel(now time.Time) error {
	if c.Status == Done || c.Status == Cancelled {
		return fault.New(fault.Conflict, "This campaign is already %s.", c.Status)
	}
	c.Status, c.UpdatedAt = Cancelled, now
	return nil
}

// Edit replaces what marketing may change, returning the campaign to draft
// (its approval was for the old text).
func (c *Campaign) Edit(next Campaign, now time.Time) error {
	switch c.Status {
	case Draft, Approved, Scheduled:
	default:
		return fault.New(fault.Conflict, "A campaign that is %s can no longer be edited.", c.Status)
	}
	c.Name, c.Occasion, c.CustomDate, c.CustomNames = next.Name, next.Occasion, next.CustomDate, next.CustomNames
	c.Segment, c.Content, c.LeadDays, c.SendHour, c.SendHours = next.Segment, next.Content, next.LeadDays, next.SendHour, next.SendHours
	c.CouponPrefix, c.Year = next.CouponPrefix, next.Year
	c.Status, c.ApprovedBy, c.ApprovedAt, c.UpdatedAt = Draft, "", nil, now
	c.SubmittedBy, c.SubmittedAt, c.NotifiedAt = "", nil, nil // the new text waits for approval anew
	return c.Validate()
}

// SendHourAt returns the local send hour at a store.
func (c Campaign) SendHourAt(storeID string) int {
	if h, ok := c.SendHours[storeID]; ok {
		return h
	}
	return c.SendHour
}

// OccasionIn returns the date of the campaign's occasion in year for a
// store in region, and false when it has none that year (a custom date in
// another year). Birthday campaigns have no single date.
func (c Campaign) OccasionIn(year int, region string) (occasion.Occasion, bool, error) {
	switch {
	case c.Birthday():
		return occasion.Occasion{}, false, nil
	case c.Occasion == occasion.CustomID:
		d, err := time.Parse(time.DateOnly, c.CustomDate)
		if err != nil {
			return occasion.Occasion{}, false, fmt.Errorf("campaign %s custom date: %w", c.ID, err)
		}
		if d.Year() != year {
			return occasion.Occasion{}, false, nil
		}
		names := map[string]string{}
		for l, n := range c.CustomNames {
			names[string(l)] = n
		}
		return occasion.NewCustom(occasion.CustomID, d, names), true, nil
	}
	o, err := occasion.Find(c.Occasion, year, region)
	if err != nil {
		return occasion.Occasion{}, false, nil // not kept in this region
	}
	return o, true, nil
}

// OccasionName returns the occasion's name in lang.
func (c Campaign) OccasionName(lang i18n.Lang) string {
	if c.Occasion == occasion.CustomID {
		if n := c.CustomNames[lang]; n != "" {
			return n
		}
		for _, l := range i18n.All {
			if n := c.CustomNames[l]; n != "" {
				return n
			}
		}
	}
	return i18n.T(lang, "occasion."+c.Occasion, nil)
}

// Coupon returns the diner's own coupon code for the campaign: the prefix
// and eight characters derived from the campaign and the diner, the same
// every time it is asked for.
func (c Campaign) Coupon(dinerKey string) string {
	if c.CouponPrefix == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("cardloop-coupon\x00" + c.ID + "\x00" + dinerKey))
	return c.CouponPrefix + "-" + base32.StdEncoding.EncodeToString(sum[:5])
}

// QuietHours is a span of local hours in which no greeting is sent, From
// inclusive to Till exclusive, wrapping past midnight.
type QuietHours struct{ From, Till int }

// DefaultQuietHours: nothing between 21:00 and 09:00 local time.
var DefaultQuietHours = QuietHours{From: 21, Till: 9}

// Contains reports whether hour falls in the quiet hours.
func (q QuietHours) Contains(hour int) bool {
	if q.From <= q.Till {
		return hour >= q.From && hour < q.Till
	}
	return hour >= q.From || hour < q.Till
}

// End returns the first instant at or after t (in t's location) outside
// the quiet hours.
func (q QuietHours) End(t time.Time) time.Time {
	if !q.Contains(t.Hour()) {
		return t
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), q.Till, 0, 0, 0, t.Location())
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}
