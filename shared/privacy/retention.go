package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
)

// OptIn is a pending opt-in as the retention index holds it: the diner
// whose greetings box was ticked.
type OptIn struct {
	BrandID string `dynamodbav:"brandId"`
	Key     string `dynamodbav:"key"`
}

// RetentionIndex reads what is due from the sparse retention index
// (privacystore), never a Scan.
type RetentionIndex interface {
	// IdleDiners passes fn the brand's profiles last visited on or before
	// cutoff (YYYY-MM-DD).
	IdleDiners(ctx context.Context, brandID, cutoff string, fn func([]diner.Profile) error) error
	// StaleOptIns passes fn the brand's opt-ins ticked on or before cutoff.
	StaleOptIns(ctx context.Context, brandID string, cutoff time.Time, fn func([]OptIn) error) error
}

// OptInExpirer drops an unconfirmed opt-in (greetstore).
type OptInExpirer interface {
	// ExpireOptIn drops p's opt-in if still pending and ticked on or before
	// cutoff, and its marker; it reports whether it dropped one.
	ExpireOptIn(ctx context.Context, p diner.Profile, doubleOptIn bool, cutoff, now time.Time) (bool, error)
}

// RetentionRun is what one run of the retention job did for a brand.
type RetentionRun struct {
	Brand         string `json:"brand"`
	Cutoff        string `json:"cutoff"` // last visits on or before it were due
	Erased        int    `json:"erased"`
	OptInsExpired int    `json:"optInsExpired"`
	Resumed       int    `json:"resumed"`
}

// stuckAfter is how long an erasure may run before the retention job
// takes it for stopped and resumes it.
const stuckAfter = 15 * time.Minute

// Retain runs the retention rules for a brand at now: it resumes erasures
// that stopped, erases every diner idle longer than the brand keeps
// personal data (as a Retention request) and drops opt-ins unconfirmed
// after OptInDays. Idempotent: each diner's erasure is a request whose id
// follows from the diner and their last visit, so a rerun resumes it; an
// opt-in is dropped on a condition that it is still the one read.
func (s *Service) Retain(ctx context.Context, idx RetentionIndex, optIns OptInExpirer, brandID string) (RetentionRun, error) {
	now := s.now()
	b, err := s.stores.Brand(ctx, brandID)
	if err != nil {
		return RetentionRun{}, fmt.Errorf("read brand %s: %w", brandID, err)
	}
	set := settings(b)
	run := RetentionRun{Brand: brandID, Cutoff: set.RetentionCutoff(now)}
	open, err := s.requests.OpenRequests(ctx, brandID)
	if err != nil {
		return run, err
	}
	for _, r := range open {
		if (r.Kind == Erase || r.Kind == Retention) && now.Sub(r.CreatedAt) > stuckAfter {
			if _, err := s.run(ctx, r); err != nil {
				return run, err
			}
			run.Resumed++
		}
	}
	err = idx.IdleDiners(ctx, brandID, run.Cutoff, func(ps []diner.Profile) error {
		for _, p := range ps {
			if p.LastVisitDate > run.Cutoff { // came back since the index was read
				continue
			}
			if _, err := s.EraseIdle(ctx, p); err != nil {
				return err
			}
			run.Erased++
		}
		return nil
	})
	if err != nil {
		return run, err
	}
	cutoff := OptInCutoff(now)
	err = idx.StaleOptIns(ctx, brandID, cutoff, func(os []OptIn) error {
		for _, o := range os {
			p, err := s.diners.Diner(ctx, o.BrandID, o.Key)
			if fault.CodeOf(err) == fault.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			dropped, err := optIns.ExpireOptIn(ctx, p, b.DoubleOptIn(), cutoff, now)
			if err != nil {
				return err
			}
			if dropped {
				run.OptInsExpired++
				if err := s.requests.Audit(ctx, AuditEntry{BrandID: brandID, At: now, By: "retention", Action: "optin-expired", SubjectHash: s.subjectHash(brandID, p.Key)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return run, err
}
