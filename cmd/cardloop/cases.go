package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/setup"
)

const casesUsage = "usage: cardloop cases reindex [--brand wang] [--store S001,…] [--deployed]"

// casesCommand is `cardloop cases reindex`: cases written before the Cases
// inbox (2026-11-28) have neither its keys nor search terms, so the
// console's Cases tab and search miss them; this gives every case of the
// brand's stores both (casework.Service.Backfill), store by store. It is
// idempotent, so an interrupted run is simply run again.
//
// Without flags it works on the running app (`make run`), in the emulator,
// with the ConsoleFunction's environment as the runner gives it. For a
// deployed stage, run it with --deployed in a shell holding the
// ConsoleFunction's environment (TABLE_NAME, LINK_KEY_PARAMETER, DEFAULT_BRAND,
// STAGE: `aws lambda get-function-configuration`
// shows them) and the usual AWS configuration.
func casesCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "reindex" {
		return errors.New(casesUsage)
	}
	fs := flag.NewFlagSet("cases reindex", flag.ContinueOnError)
	root, config := projectFlags(fs)
	brandID := fs.String("brand", "", "the brand whose stores to reindex (default: DEFAULT_BRAND)")
	only := fs.String("store", "", "comma-separated store ids (default: every store of the brand)")
	deployed := fs.Bool("deployed", false, "work on the stage this shell's environment and AWS configuration name, not the running app")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(casesUsage)
	}
	if !*deployed {
		if _, _, err := useFunctionEnvironment(*root, *config, "ConsoleFunction"); err != nil {
			return err
		}
	}
	app, err := setup.Load(ctx)
	if err != nil {
		return err
	}
	// Search terms are hashed with the link key, as the functions hash them.
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return fmt.Errorf("cases reindex: the link key (is `make run` running?): %w", err)
	}
	db := allstores.New(app.DynamoDB, app.Env.Table)
	// No notice is sent: the backfill only writes keys and terms.
	cases := casework.NewService(db, db, nil, app.Now).WithSearch(signer, db)
	brand := *brandID
	if brand == "" {
		brand = app.Env.DefaultBrand
	}
	var stores []string
	if *only != "" {
		stores = strings.Split(*only, ",")
	} else {
		all, err := db.Stores(ctx, brand)
		if err != nil {
			return fmt.Errorf("cases reindex: stores of %s: %w", brand, err)
		}
		for _, s := range all {
			stores = append(stores, s.ID)
		}
	}
	if len(stores) == 0 {
		return fmt.Errorf("cases reindex: brand %q has no stores", brand)
	}
	for _, id := range stores {
		r, err := cases.Backfill(ctx, db, strings.TrimSpace(id))
		fmt.Fprintf(os.Stdout, "store %s: %d cases, %d given inbox keys, %d cards indexed, %d cards gone\n",
			id, r.Cases, r.InboxAdded, r.CardsIndexed, r.CardsGone)
		if err != nil {
			return fmt.Errorf("cases reindex: %w (run it again: it picks up where it is)", err)
		}
	}
	return nil
}
