package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/insight"
)

const statsUsage = "usage: cardloop stats verify|rebuild --store S001 --from YYYY-MM-DD --to YYYY-MM-DD [--table NAME]\n       cardloop stats rollup --brand wang --from YYYY-MM-DD --to YYYY-MM-DD [--table NAME]"

// statsCommand recomputes a store's insight counters from its cards:
// verify prints every stored figure that differs, rebuild rewrites them.
// Without --table it works on the running app's emulator; with it, on that
// table in the AWS account of the usual AWS configuration.
func statsCommand(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "rollup" {
		return rollupCommand(ctx, args[1:])
	}
	if len(args) == 0 || (args[0] != "verify" && args[0] != "rebuild") {
		return errors.New(statsUsage)
	}
	verb := args[0]
	store, rg, db, err := statsArgs(ctx, "stats "+verb, "store", "store id (required)", args[1:])
	if err != nil {
		return err
	}
	audit := insight.NewAudit(db, db)
	if verb == "rebuild" {
		n, err := audit.Rebuild(ctx, store, rg)
		if err != nil {
			return err
		}
		fmt.Printf("store %s %s: %d days rebuilt\n", store, rg, n)
		return nil
	}
	diffs, checked, err := audit.Verify(ctx, store, rg)
	if err != nil {
		return err
	}
	return printVerify(os.Stdout, store, rg, diffs, checked)
}

func printVerify(w io.Writer, store string, rg insight.Range, diffs []insight.Difference, checked insight.Checked) error {
	for _, d := range diffs {
		if _, err := fmt.Fprintln(w, d); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "store %s %s: %d cards, %d periods compared, %d differences\n", store, rg, checked.Cards, checked.Periods, len(diffs))
	if len(diffs) > 0 {
		return fmt.Errorf("%d figures differ from the cards (cardloop stats rebuild mends them)", len(diffs))
	}
	return nil
}

func statsStores(ctx context.Context, root, cfgPath, table string) (*allstores.Stores, error) {
	if table != "" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w", err)
		}
		return allstores.New(dynamodb.NewFromConfig(cfg), table), nil
	}
	p, err := loadProject(root, cfgPath)
	if err != nil {
		return nil, err
	}
	endpoint := emulator.Endpoint()
	cfg, err := emulator.Config(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	res := provision.Placeholders(p.Template, p.Config.Stack, endpoint)
	return allstores.New(dynamodb.NewFromConfig(cfg), res["Table"].Name), nil
}

// rollupCommand rolls a brand's stores' counters of a range up into its
// brand roll-ups (the days, and the weeks and months they touch) — what the
// RollupFunction does for the recent days, for older ones: a late change,
// a rebuild, a first deployment's history. Only stale roll-ups are written.
func rollupCommand(ctx context.Context, args []string) error {
	brandID, rg, db, err := statsArgs(ctx, "stats rollup", "brand", "brand id (required)", args)
	if err != nil {
		return err
	}
	run, err := insight.NewRollups(db, db).Run(ctx, brandID, insight.Touching(rg))
	if err != nil {
		return err
	}
	fmt.Printf("brand %s %s: %d stores, %d periods, %d rolled up, %d unchanged, %d written meanwhile by another run\n",
		brandID, rg, run.Stores, run.Periods, run.Written, run.Unchanged, run.Conflicts)
	return nil
}

// statsArgs reads the flags every stats command takes: the store or brand
// (flag name), the range, and where the table is; it returns the id, the
// range and the stores of that table.
func statsArgs(ctx context.Context, cmd, name, help string, args []string) (string, insight.Range, *allstores.Stores, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	root, cfgPath := projectFlags(fs)
	id := fs.String(name, "", help)
	from := fs.String("from", "", "first visit day, YYYY-MM-DD (required)")
	to := fs.String("to", "", "last visit day, YYYY-MM-DD (required)")
	table := fs.String("table", "", "a deployed table's name (default: the running app's, in the emulator)")
	if err := fs.Parse(args); err != nil {
		return "", insight.Range{}, nil, err
	}
	if *id == "" || *from == "" || *to == "" || fs.NArg() > 0 {
		return "", insight.Range{}, nil, errors.New(statsUsage)
	}
	rg, err := insight.ParseRange(*from, *to)
	if err != nil {
		return "", insight.Range{}, nil, err
	}
	db, err := statsStores(ctx, *root, *cfgPath, *table)
	return *id, rg, db, err
}
