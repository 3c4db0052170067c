package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/occasion"
)

// regionLanguage is the language each region's names are printed in beside
// English.
var regionLanguage = map[string]i18n.Lang{"TW": i18n.ZhTW, "HK": i18n.ZhTW, "CN": i18n.ZhCN, "SG": i18n.ZhCN}

// occasionsCommand prints a year's occasions, one a line, ISO date first.
func occasionsCommand(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("occasions", flag.ContinueOnError)
	region := fs.String("region", "TW", "region (ISO 3166 code: TW, CN, SG…) whose rules apply")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: cardloop occasions [--region TW] YEAR")
	}
	year, err := strconv.Atoi(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("year %q is not a number", fs.Arg(0))
	}
	return printOccasions(os.Stdout, year, *region)
}

func printOccasions(w io.Writer, year int, region string) error {
	all, err := occasion.ForYear(year, region)
	if err != nil {
		return err
	}
	lang, ok := regionLanguage[region]
	for _, o := range all {
		name := i18n.T(i18n.En, "occasion."+o.ID, nil)
		if ok {
			name = i18n.T(lang, "occasion."+o.ID, nil) + " / " + name
		}
		if _, err := fmt.Fprintf(w, "%s  %-20s %s  (%s)\n", o.Day(), o.ID, name, o.Rule); err != nil {
			return err
		}
	}
	return nil
}
