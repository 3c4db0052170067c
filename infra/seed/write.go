package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
)

// Write puts the demo brand and stores into the table. Writing them again
// replaces them with the same values.
func Write(ctx context.Context, cfg aws.Config, tableName string) error {
	return WriteTo(ctx, allstores.New(dynamodb.NewFromConfig(cfg), tableName))
}

// writer is the part of the table the seed writes to.
type writer interface {
	PutBrand(ctx context.Context, b brand.Brand) error
	PutStore(ctx context.Context, s brand.Store) error
	SaveCampaign(ctx context.Context, c greeting.Campaign, created bool) (greeting.Campaign, error)
}

// WriteTo puts the demo brand and stores through db.
func WriteTo(ctx context.Context, db writer) error {
	d, err := Load()
	if err != nil {
		return err
	}
	b, stores, err := d.Parse()
	if err != nil {
		return err
	}
	if err := db.PutBrand(ctx, b); err != nil {
		return fmt.Errorf("seed brand: %w", err)
	}
	for _, s := range stores {
		if err := db.PutStore(ctx, s); err != nil {
			return fmt.Errorf("seed store %s: %w", s.ID, err)
		}
	}
	// The standing birthday campaign, once: seeding again keeps its edits
	// and results.
	if _, err := db.SaveCampaign(ctx, greeting.StandingBirthday(b.ID, time.Now().UTC()), true); err != nil && fault.CodeOf(err) != fault.Conflict {
		return fmt.Errorf("seed birthday campaign: %w", err)
	}
	return nil
}

// Parse returns the demo brand and stores as domain values.
func (d Demo) Parse() (brand.Brand, []brand.Store, error) {
	var b brand.Brand
	if err := json.Unmarshal(d.Brand, &b); err != nil {
		return brand.Brand{}, nil, fmt.Errorf("parse demo brand: %w", err)
	}
	stores := make([]brand.Store, 0, len(d.Stores))
	for i, raw := range d.Stores {
		var s brand.Store
		if err := json.Unmarshal(raw, &s); err != nil {
			return brand.Brand{}, nil, fmt.Errorf("parse demo store %d: %w", i, err)
		}
		if err := s.Validate(); err != nil {
			return brand.Brand{}, nil, fmt.Errorf("demo store %d: %w", i, err)
		}
		stores = append(stores, s)
	}
	return b, stores, nil
}
