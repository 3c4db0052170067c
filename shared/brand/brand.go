// Package brand describes the restaurant group's brands and their stores: what
// each store asks diners to rate, its language, time zone and managers.
package brand

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo

	"github.com/cardloop/cardloop/shared/i18n"
)

// FixedItems are rated on every card, whatever the store's menu.
var FixedItems = []string{"service", "cleanliness", "overall"}

// Brand is one restaurant brand of the group (e.g. Wang Steak).
type Brand struct {
	ID     string               `json:"id" dynamodbav:"brandId"`
	Name   map[i18n.Lang]string `json:"name" dynamodbav:"name"`
	Sender string               `json:"sender" dynamodbav:"sender"`
	// OperationsEmail is told when a case is escalated past the area manager.
	OperationsEmail string `json:"operationsEmail" dynamodbav:"operationsEmail"`
	// CampaignApprovers are e-mailed when a greeting campaign waits for
	// approval (none: OperationsEmail).
	CampaignApprovers []string `json:"campaignApprovers,omitempty" dynamodbav:"campaignApprovers,omitempty"`
	// SingleOptIn turns off double opt-in: greetings start as soon as the
	// box is ticked, without a confirmation e-mail. Off by default.
	SingleOptIn bool `json:"singleOptIn,omitempty" dynamodbav:"singleOptIn,omitempty"`
	// PrivacyChinaDays is how many days the brand gives itself to answer
	// a data-protection request in mainland China (0: 15);
	// RetentionMonths how long it keeps a diner's personal data after
	// their last visit (0: 24). See shared/privacy.
	PrivacyChinaDays int `json:"privacyChinaDays,omitempty" dynamodbav:"privacyChinaDays,omitempty"`
	RetentionMonths  int `json:"retentionMonths,omitempty" dynamodbav:"retentionMonths,omitempty"`
}

// DoubleOptIn reports whether the brand asks diners to confirm greetings.
func (b Brand) DoubleOptIn() bool { return !b.SingleOptIn }

// DisplayName returns the brand's name in lang, else in English, else its id.
func (b Brand) DisplayName(lang i18n.Lang) string {
	for _, l := range []i18n.Lang{lang, i18n.En} {
		if n := b.Name[l]; n != "" {
			return n
		}
	}
	return b.ID
}

// Store is one restaurant. Items are the menu courses its card asks about
// (bread, soup…); MainCourses the choices of main course.
type Store struct {
	ID               string               `json:"id" dynamodbav:"storeId"`
	BrandID          string               `json:"brandId" dynamodbav:"brandId"`
	Name             map[i18n.Lang]string `json:"name" dynamodbav:"name"`
	Country          string               `json:"country" dynamodbav:"country"` // ISO 3166 region, for phone numbers
	TimeZone         string               `json:"timeZone" dynamodbav:"timeZone"`
	Language         i18n.Lang            `json:"language" dynamodbav:"language"`
	Items            []string             `json:"items" dynamodbav:"items"`
	MainCourses      []string             `json:"mainCourses" dynamodbav:"mainCourses"`
	ManagerEmail     string               `json:"managerEmail" dynamodbav:"managerEmail"`
	AreaManagerEmail string               `json:"areaManagerEmail" dynamodbav:"areaManagerEmail"`
	// Staff are the store's other staff who work its cases (deputy
	// managers, shift leads): a case may be assigned to them.
	Staff []StaffMember `json:"staff,omitempty" dynamodbav:"staff,omitempty"`
}

// StaffMember is one of a store's staff, by the address they sign in and
// are e-mailed with.
type StaffMember struct {
	Email string `json:"email" dynamodbav:"email"`
	Name  string `json:"name,omitempty" dynamodbav:"name,omitempty"`
}

// Staff roles of a store's assignees.
const (
	RoleManager     = "manager"
	RoleStaff       = "staff"
	RoleAreaManager = "area_manager"
)

// Assignee is someone a store's case may be assigned to.
type Assignee struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	Role  string `json:"role"` // manager, staff, area_manager
}

// Assignees are who a store's cases may be assigned to, each once (by
// lower-cased address): its manager, its other staff, its area manager —
// the people its case e-mails and digests already reach.
func (s Store) Assignees() []Assignee {
	var out []Assignee
	add := func(email, name, role string) {
		email = strings.ToLower(strings.TrimSpace(email))
		if email == "" || slices.ContainsFunc(out, func(a Assignee) bool { return a.Email == email }) {
			return
		}
		out = append(out, Assignee{Email: email, Name: name, Role: role})
	}
	add(s.ManagerEmail, "", RoleManager)
	for _, m := range s.Staff {
		add(m.Email, m.Name, RoleStaff)
	}
	add(s.AreaManagerEmail, "", RoleAreaManager)
	return out
}

// Assignee returns the store's assignee with address email (any case).
func (s Store) Assignee(email string) (Assignee, bool) {
	email = strings.ToLower(strings.TrimSpace(email))
	for _, a := range s.Assignees() {
		if a.Email == email {
			return a, true
		}
	}
	return Assignee{}, false
}

// RatedItems returns every item the store's card rates: its own items, then
// the fixed ones.
func (s Store) RatedItems() []string {
	out := make([]string, 0, len(s.Items)+len(FixedItems))
	out = append(out, s.Items...)
	for _, f := range FixedItems {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Rates reports whether item is one of the store's rated items.
func (s Store) Rates(item string) bool {
	return slices.Contains(s.Items, item) || slices.Contains(FixedItems, item)
}

// DisplayName returns the store's name in lang, falling back to its own
// language and then to its id.
func (s Store) DisplayName(lang i18n.Lang) string {
	if n := s.Name[lang]; n != "" {
		return n
	}
	if n := s.Name[s.Language]; n != "" {
		return n
	}
	return s.ID
}

// Location returns the store's time zone.
func (s Store) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("store %s time zone %q: %w", s.ID, s.TimeZone, err)
	}
	return loc, nil
}

// Today returns the date at instant now in the store's time zone.
func (s Store) Today(now time.Time) (time.Time, error) {
	loc, err := s.Location()
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// Validate checks a store's configuration before it is saved.
func (s Store) Validate() error {
	switch {
	case s.ID == "" || s.BrandID == "":
		return fmt.Errorf("store needs an id and a brand")
	case len(s.Items) == 0:
		return fmt.Errorf("store %s rates no items", s.ID)
	}
	if _, ok := i18n.Parse(string(s.Language)); !ok {
		return fmt.Errorf("store %s language %q is not supported", s.ID, s.Language)
	}
	_, err := s.Location()
	return err
}
