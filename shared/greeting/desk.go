package greeting

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	cmail "github.com/cardloop/cardloop/shared/mail"
)

// DeskStore keeps campaigns for marketing's desk.
type DeskStore interface {
	Campaign(ctx context.Context, id string) (Campaign, error)
	// Campaigns returns a brand's campaigns, newest first.
	Campaigns(ctx context.Context, brandID string) ([]Campaign, error)
	// SaveCampaign writes a new campaign (created) or an existing one whose
	// version is still the one read; it returns it with its next version.
	SaveCampaign(ctx context.Context, c Campaign, created bool) (Campaign, error)
	Brand(ctx context.Context, id string) (brand.Brand, error)
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
	// SegmentSize counts the greetable diners of the stores that reaches
	// takes (reaches gets the diner and its home store's id).
	SegmentSize(ctx context.Context, c Campaign, stores []string, reaches func(diner.Profile, string) bool) (int, error)
}

// Desk is marketing's side of campaigns: drafting, approval, scheduling,
// preview, test sends and the size of a segment. Every change is checked
// by the Campaign's own lifecycle and saved under its version, so two
// people editing at once cannot overwrite each other.
type Desk struct {
	store   DeskStore
	mailer  Mailer
	baseURL string
	now     func() time.Time
	signer  *link.Signer // seals test recipients' links (WithSigner)
}

// NewDesk returns a Desk; baseURL is the public address greetings link to.
func NewDesk(store DeskStore, mailer Mailer, baseURL string, now func() time.Time) *Desk {
	return &Desk{store: store, mailer: mailer, baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

// List returns the brand's campaigns, newest first.
func (d *Desk) List(ctx context.Context, brandID string) ([]Campaign, error) {
	cs, err := d.store.Campaigns(ctx, brandID)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return cs, nil
}

// Get returns one of the brand's campaigns; another brand's is not found.
func (d *Desk) Get(ctx context.Context, brandID, id string) (Campaign, error) {
	c, err := d.store.Campaign(ctx, id)
	if err != nil {
		return c, err
	}
	if c.BrandID != brandID {
		return Campaign{}, fault.New(fault.NotFound, "There is no campaign %q.", id)
	}
	return c, nil
}

// Create drafts a new campaign for the brand, written by author.
func (d *Desk) Create(ctx context.Context, brandID, author string, in Campaign) (Campaign, error) {
	now := d.now().UTC()
	c := in
	c.ID, c.BrandID, c.Status = newCampaignID(now), brandID, Draft
	c.CreatedBy, c.CreatedAt, c.UpdatedAt = author, now, now
	c.ApprovedBy, c.ApprovedAt, c.Results, c.Version = "", nil, Results{}, 0
	c.SubmittedBy, c.SubmittedAt, c.NotifiedAt = "", nil, nil
	all, err := d.brandStores(ctx, c)
	if err != nil {
		return c, err
	}
	if err := checkStores(c, all); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if err := c.CheckNotPast(reach(c, all), d.now()); err != nil {
		return c, err
	}
	return d.store.SaveCampaign(ctx, c, true)
}

// Edit replaces a campaign's content and returns it to draft. version is
// the version the editor read.
func (d *Desk) Edit(ctx context.Context, brandID, id string, version int, next Campaign) (Campaign, error) {
	return d.change(ctx, brandID, id, version, func(c *Campaign) error {
		if err := c.Edit(next, d.now().UTC()); err != nil {
			return err
		}
		all, err := d.brandStores(ctx, *c)
		if err != nil {
			return err
		}
		if err := checkStores(*c, all); err != nil {
			return err
		}
		return c.CheckNotPast(reach(*c, all), d.now())
	})
}

// Approve records approval by approver (a second person, when the
// campaign reaches more than one store).
func (d *Desk) Approve(ctx context.Context, brandID, id string, version int, approver string) (Campaign, error) {
	stores, err := d.store.Stores(ctx, brandID)
	if err != nil {
		return Campaign{}, fmt.Errorf("approve campaign %s: %w", id, err)
	}
	return d.change(ctx, brandID, id, version, func(c *Campaign) error {
		if err := c.Approve(approver, len(stores), d.now().UTC()); err != nil {
			return err
		}
		return c.CheckNotPast(reach(*c, stores), d.now())
	})
}

// Schedule hands an approved campaign to the planner.
func (d *Desk) Schedule(ctx context.Context, brandID, id string, version int) (Campaign, error) {
	return d.change(ctx, brandID, id, version, func(c *Campaign) error {
		if err := c.Schedule(d.now().UTC()); err != nil {
			return err
		}
		return d.checkNotPast(ctx, *c)
	})
}

// Cancel stops a campaign.
func (d *Desk) Cancel(ctx context.Context, brandID, id string, version int) (Campaign, error) {
	return d.change(ctx, brandID, id, version, func(c *Campaign) error { return c.Cancel(d.now().UTC()) })
}

// change reads a campaign, refuses a stale version, applies fn and saves.
func (d *Desk) change(ctx context.Context, brandID, id string, version int, fn func(*Campaign) error) (Campaign, error) {
	c, err := d.Get(ctx, brandID, id)
	if err != nil {
		return c, err
	}
	if c.Version != version {
		return c, fault.New(fault.Conflict, "The campaign changed meanwhile (version %d, you had %d); reload it.", c.Version, version)
	}
	if err := fn(&c); err != nil {
		return c, err
	}
	return d.store.SaveCampaign(ctx, c, false)
}

// checkStores refuses a segment naming a store the brand does not have.
func checkStores(c Campaign, stores []brand.Store) error {
	var bad []fault.FieldError
	for i, id := range c.Segment.Stores {
		if !slices.ContainsFunc(stores, func(s brand.Store) bool { return s.ID == id }) {
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("segment.stores[%d]", i), Rule: "unknown"})
		}
	}
	if len(bad) > 0 {
		return &fault.Error{Code: fault.Invalid, Message: "The segment names stores the brand does not have.", Fields: bad}
	}
	return nil
}

// brandStores returns all the stores of the campaign's brand.
func (d *Desk) brandStores(ctx context.Context, c Campaign) ([]brand.Store, error) {
	all, err := d.store.Stores(ctx, c.BrandID)
	if err != nil {
		return nil, fmt.Errorf("stores of campaign %s: %w", c.ID, err)
	}
	return all, nil
}

// reached returns the brand's stores the campaign reaches.
func (d *Desk) reached(ctx context.Context, c Campaign) ([]brand.Store, error) {
	all, err := d.brandStores(ctx, c)
	if err != nil {
		return nil, err
	}
	return reach(c, all), nil
}

// reach returns those of the brand's stores (all) the campaign reaches.
func reach(c Campaign, all []brand.Store) []brand.Store {
	if len(c.Segment.Stores) == 0 {
		return all
	}
	return slices.DeleteFunc(slices.Clone(all), func(s brand.Store) bool { return !slices.Contains(c.Segment.Stores, s.ID) })
}

// Sample is the made-up diner a preview or test send is written to.
type Sample struct {
	Name    string    `json:"name"`
	StoreID string    `json:"storeId"`
	Lang    i18n.Lang `json:"lang"`
}

// Preview renders the campaign's greeting for a sample diner, exactly as
// the sender would, except that its unsubscribe link is a test
// recipient's (it opens a working page and changes no diner).
func (d *Desk) Preview(ctx context.Context, brandID, id string, s Sample) (cmail.Message, error) {
	c, err := d.Get(ctx, brandID, id)
	if err != nil {
		return cmail.Message{}, err
	}
	msg, _, err := d.render(ctx, c, s, "")
	return msg, err
}

// TestSend sends the preview to one address, marked as a test in its
// subject and untagged, so it counts in no campaign's results.
func (d *Desk) TestSend(ctx context.Context, brandID, id string, s Sample, to string) (string, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(to))
	if err != nil || addr.Name != "" || !strings.Contains(addr.Address, ".") {
		return "", &fault.Error{Code: fault.Invalid, Message: "The test address is not an e-mail address.", Fields: []fault.FieldError{{Field: "to", Rule: "email"}}}
	}
	c, err := d.Get(ctx, brandID, id)
	if err != nil {
		return "", err
	}
	msg, lang, err := d.render(ctx, c, s, addr.Address)
	if err != nil {
		return "", err
	}
	msg.Subject = i18n.T(lang, "campaign.testPrefix", nil) + msg.Subject
	msg.Tags = map[string]string{"kind": "test"}
	msg.Headers["X-Cardloop-Test"] = "1"
	id, err = d.mailer.Send(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("test send of campaign %s: %w", c.ID, err)
	}
	return id, nil
}

// render writes the greeting for the sample diner at the sample's store
// (the campaign's first store, when the sample names none).
func (d *Desk) render(ctx context.Context, c Campaign, s Sample, to string) (cmail.Message, i18n.Lang, error) {
	stores, err := d.reached(ctx, c)
	if err != nil {
		return cmail.Message{}, "", err
	}
	if len(stores) == 0 {
		return cmail.Message{}, "", fault.New(fault.Invalid, "The campaign reaches no store.")
	}
	st := stores[0]
	if s.StoreID != "" {
		i := slices.IndexFunc(stores, func(x brand.Store) bool { return x.ID == s.StoreID })
		if i < 0 {
			return cmail.Message{}, "", &fault.Error{Code: fault.Invalid, Message: "The campaign does not reach that store.", Fields: []fault.FieldError{{Field: "storeId", Rule: "unknown"}}}
		}
		st = stores[i]
	}
	b, err := d.store.Brand(ctx, c.BrandID)
	if err != nil {
		return cmail.Message{}, "", fmt.Errorf("render campaign %s: %w", c.ID, err)
	}
	lang := c.Language(s.Lang, st.Language)
	name := strings.TrimSpace(s.Name)
	if name == "" {
		name = i18n.T(lang, "campaign.sampleName", nil)
	}
	if to == "" {
		to = "diner@example.com"
	}
	// The links work, for a test recipient: unsubscribing answers as for a
	// diner and changes nothing (preferences.Handler, IsTest).
	return c.Message(Recipient{Key: "sample:" + name, Email: to, Name: name, Language: lang}, lang, Letter{
		Brand: b.DisplayName(lang), Store: st.DisplayName(lang),
		UnsubscribeURL: d.testUnsubscribeURL(c.BrandID, to), MyDataURL: MyDataURL(d.baseURL, c.BrandID, lang),
	}), lang, nil
}

// newCampaignID returns a new campaign id: the creation date and random
// letters, so ids sort by time and never collide.
func newCampaignID(now time.Time) string {
	return "cmp-" + now.Format("20060102") + "-" + strings.ToLower(rand.Text()[:10])
}
