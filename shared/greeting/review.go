package greeting

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
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

// WithSigner lets the desk seal working links for test sends and previews
// (a test recipient's unsubscribe link); without it they lead nowhere.
func (d *Desk) WithSigner(s *link.Signer) *Desk {
	d.signer = s
	return d
}

// checkNotPast refuses a campaign whose send day has passed at a store it
// reaches (Campaign.CheckNotPast).
func (d *Desk) checkNotPast(ctx context.Context, c Campaign) error {
	stores, err := d.reached(ctx, c)
	if err != nil {
		return err
	}
	return c.CheckNotPast(stores, d.now())
}

// Review is what the desk says about a campaign besides the campaign
// itself: warnings (messages not filled), who it waits for and whether
// the reader may approve it.
type Review struct {
	Warnings   []Warning `json:"warnings"`
	WaitingFor []string  `json:"waitingFor,omitempty"`
	CanApprove bool      `json:"canApprove"`
}

// Review warns about what will surprise in c (a store's language without
// content, a holiday a store does not keep, a segment of nobody today) and
// says whom it waits for and whether reader may approve it. The segment is
// counted through the stores' greeting index (Segment), not a scan.
func (d *Desk) Review(ctx context.Context, c Campaign, reader string) (Review, error) {
	all, err := d.brandStores(ctx, c)
	if err != nil {
		return Review{}, err
	}
	stores := reach(c, all)
	r := Review{Warnings: c.LanguageWarnings(stores), CanApprove: c.CanApprove(reader, len(all))}
	if !c.Status.Active() && c.Status != Done && c.Status != Cancelled {
		n, err := d.segment(ctx, c, stores, 0, 1)
		if err != nil {
			return r, err
		}
		if n.Diners == 0 {
			r.Warnings = append(r.Warnings, Warning{Code: WarnSegmentEmpty})
		}
	}
	if c.Submitted() && c.NotifiedAt == nil {
		r.Warnings = append(r.Warnings, Warning{Code: WarnNotNotified})
	}
	if c.Submitted() {
		b, err := d.store.Brand(ctx, c.BrandID)
		if err != nil {
			return r, fmt.Errorf("review campaign %s: %w", c.ID, err)
		}
		r.WaitingFor = approvers(b, c, len(all))
	}
	if r.Warnings == nil {
		r.Warnings = []Warning{}
	}
	return r, nil
}

// approvers are the brand's campaign approvers who may approve c (not its
// author when it needs a second person), else its operations address.
func approvers(b brand.Brand, c Campaign, brandStores int) []string {
	list := b.CampaignApprovers
	if len(list) == 0 && b.OperationsEmail != "" {
		list = []string{b.OperationsEmail}
	}
	return slices.DeleteFunc(slices.Clone(list), func(a string) bool { return !c.CanApprove(a, brandStores) })
}

// errUnchanged tells change that nothing is to be written.
var errUnchanged = errors.New("unchanged")

// ErrNotNotified says a submission was saved but its approvers could not
// be e-mailed; the campaign says so (WarnNotNotified) and a later submit
// e-mails them.
var ErrNotNotified = errors.New("the approvers could not be e-mailed")

// notifyLease is how long a submission's e-mails are taken to be on their
// way: a second submit within it sends none, after it (the first sender
// failed before recording them) sends them again.
const notifyLease = 30 * time.Second

// Submit asks for approval of a draft and e-mails the approvers once.
//
// Idempotent: the submission is a versioned write, so of two submits of
// the same version one wins and the other is refused (fault.Conflict); a
// submit of a campaign already submitted writes nothing, and e-mails only
// if the first submit's e-mails were never recorded sent (NotifiedAt)
// after notifyLease. An edit returns the campaign to an unsubmitted draft.
func (d *Desk) Submit(ctx context.Context, brandID, id string, version int, by string) (Campaign, error) {
	now := d.now().UTC()
	c, err := d.change(ctx, brandID, id, version, func(c *Campaign) error {
		if c.Status != Draft {
			return fault.New(fault.Conflict, "Only a draft can be submitted for approval; this campaign is %s.", c.Status)
		}
		if c.SubmittedAt != nil {
			return errUnchanged
		}
		if err := d.checkNotPast(ctx, *c); err != nil {
			return err
		}
		c.SubmittedBy, c.SubmittedAt, c.UpdatedAt = by, &now, now
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		if c.NotifiedAt != nil || now.Sub(*c.SubmittedAt) < notifyLease {
			return c, nil
		}
	case err != nil:
		return c, err
	}
	if err := d.notifyApprovers(ctx, c); err != nil {
		return c, fmt.Errorf("%w: %w", ErrNotNotified, err)
	}
	return d.change(ctx, brandID, id, c.Version, func(c *Campaign) error {
		c.NotifiedAt = &now
		return nil
	})
}

// notifyApprovers e-mails each approver of c that it waits for them, in
// the brand's first store's language.
func (d *Desk) notifyApprovers(ctx context.Context, c Campaign) error {
	all, err := d.store.Stores(ctx, c.BrandID)
	if err != nil {
		return fmt.Errorf("notify approvers of %s: %w", c.ID, err)
	}
	b, err := d.store.Brand(ctx, c.BrandID)
	if err != nil {
		return fmt.Errorf("notify approvers of %s: %w", c.ID, err)
	}
	lang := i18n.ZhTW
	if len(all) > 0 && all[0].Language != "" {
		lang = all[0].Language
	}
	link := d.baseURL + "/console/?lang=" + url.QueryEscape(string(lang)) + "#campaign/" + url.PathEscape(c.ID)
	p := map[string]string{"name": c.Name, "author": c.SubmittedBy, "brand": b.DisplayName(lang), "link": link}
	subject := i18n.T(lang, "campaign.approval.subject", p)
	body := i18n.T(lang, "campaign.approval.body", p)
	for _, to := range approvers(b, c, len(all)) {
		msg := cmail.Message{To: []string{to}, Subject: subject, Text: body + "\n\n" + link + "\n",
			HTML:    "<p>" + html.EscapeString(body) + `</p><p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(i18n.T(lang, "campaign.approval.open", nil)) + "</a></p>",
			Headers: map[string]string{"X-Cardloop-Campaign": c.ID}, Tags: map[string]string{"kind": "approval"}}
		if _, err := d.mailer.Send(ctx, msg); err != nil {
			return fmt.Errorf("notify approver of %s: %w", c.ID, err)
		}
	}
	return nil
}

// Segment counts the greetable diners the campaign's segment matches
// today, store by store and by the language their greeting will be in,
// with a few of their names (unmasked: the caller masks them). For a
// birthday campaign: all who would be greeted over a year.
func (d *Desk) Segment(ctx context.Context, brandID, id string) (SegmentCount, error) {
	c, err := d.Get(ctx, brandID, id)
	if err != nil {
		return SegmentCount{}, err
	}
	stores, err := d.reached(ctx, c)
	if err != nil {
		return SegmentCount{}, err
	}
	return d.segment(ctx, c, stores, SampleSize, 0)
}

// SampleSize is how many names a segment preview shows.
const SampleSize = 8

// SegmentCount is who a campaign's segment matches today.
type SegmentCount struct {
	Diners    int            `json:"diners"`
	Stores    map[string]int `json:"stores"`
	Languages map[string]int `json:"languages"`
	Sample    []string       `json:"sample"`
}

// segment counts who c reaches at stores, keeping up to sample names; with
// enough > 0 it stops reading once that many are found (a warning needs to
// know only whether anyone is), by cancelling the store's reads.
func (d *Desk) segment(ctx context.Context, c Campaign, stores []brand.Store, sample, enough int) (SegmentCount, error) {
	out := SegmentCount{Stores: map[string]int{}, Languages: map[string]int{}, Sample: []string{}}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	for _, st := range stores {
		today, err := st.Today(d.now())
		if err != nil {
			return out, fmt.Errorf("segment of campaign %s: %w", c.ID, err)
		}
		n, err := d.store.SegmentSize(ctx, c, []string{st.ID}, func(p diner.Profile, _ string) bool {
			if !c.Reaches(p, st, today) {
				return false
			}
			lang, _ := i18n.Parse(p.Language)
			out.Languages[string(c.Language(lang, st.Language))]++
			if name := strings.TrimSpace(p.Name); name != "" && len(out.Sample) < sample {
				out.Sample = append(out.Sample, name)
			}
			if out.Diners++; enough > 0 && out.Diners >= enough {
				stop()
			}
			return true
		})
		if enough > 0 && out.Diners >= enough {
			return out, nil // read no further: the counts are partial
		}
		if err != nil {
			return out, fmt.Errorf("segment of campaign %s at %s: %w", c.ID, st.ID, err)
		}
		out.Stores[st.ID] = n
	}
	return out, nil
}

// TestSubject prefixes the diner key of a test recipient's links: no
// diner's key starts so, and the preference pages answer such links
// without reading or changing any diner.
const TestSubject = "test:"

// IsTest reports whether a link token is a test send's.
func IsTest(t link.Token) bool { return strings.HasPrefix(t.Subject, TestSubject) }

// testUnsubscribeURL seals a working unsubscribe link for a test
// recipient (the address's keyed hash, so the link carries no address),
// or a dead one when the desk has no signer.
func (d *Desk) testUnsubscribeURL(brandID, to string) string {
	if d.signer == nil {
		return d.baseURL + "/u/preview"
	}
	tok, err := d.signer.Seal(link.Token{Action: "unsubscribe", Brand: brandID, Subject: TestSubject + d.signer.Keyed("test", strings.ToLower(to))}, 30*24*time.Hour)
	if err != nil {
		return d.baseURL + "/u/preview"
	}
	return d.baseURL + "/u/" + tok
}
