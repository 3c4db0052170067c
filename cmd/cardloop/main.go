// Command cardloop is the project's developer tool.
//
//	cardloop run                          run everything locally (make run)
//	cardloop load                         load a stack of its own and check nothing is lost (make load)
//	cardloop token <email>                print an ID token for a seeded user
//	cardloop trigger <Function> <Event>   fire a schedule of the running app now
//	cardloop occasions [--region TW] YEAR print the year's greeting occasions
//	cardloop cards print|layout           print paper cards, or the card layout
//	cardloop scan mark|import|mail        mark a printed page as a diner would; import scans; send a scan e-mail
//	cardloop redrive triage               replay the triage dead-letter queue's stream batches
//	cardloop diner export|erase           answer a diner's data request through the staff API
//	cardloop cases reindex                bring cases of before the Cases inbox into it and its search
//
// Each subcommand lives in its own file; add one by writing the file and
// listing it in commands, with a usage line for each of its forms.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/runner"
)

// command is one subcommand.
type command struct {
	usage [][2]string // per form: the command line after "cardloop ", what it does
	run   func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"run":       {[][2]string{{"run", "run the whole app locally"}}, runCommand},
		"load":      {[][2]string{{"load [--cards N] [--concurrency N] [--scenarios …]", "load a local stack of its own; check no card, case or e-mail is lost or doubled"}}, loadCommand},
		"token":     {[][2]string{{"token <email>", "print an ID token for a seeded user"}}, tokenCommand},
		"trigger":   {[][2]string{{"trigger <Function> <Event>", "fire a schedule of the running app now and print what it did"}}, triggerCommand},
		"occasions": {[][2]string{{"occasions [--region TW] YEAR", "print the year's greeting occasions"}}, occasionsCommand},
		"cards": {[][2]string{
			{"cards print --store S001 [--count N] [--out FILE.pdf]", "print paper cards (PDF)"},
			{"cards layout", "print the card layout (field names, bubbles)"},
		}, cardsCommand},
		"stats": {[][2]string{
			{"stats verify --store S001 --from YYYY-MM-DD --to YYYY-MM-DD", "recompute a store's figures from its cards and print any difference"},
			{"stats rebuild --store S001 --from YYYY-MM-DD --to YYYY-MM-DD", "rewrite a store's figures from its cards (safe while cards arrive)"},
			{"stats rollup --brand wang --from YYYY-MM-DD --to YYYY-MM-DD", "roll a brand's store figures of a range up into its brand roll-ups"},
		}, statsCommand},
		"redrive": {[][2]string{
			{"redrive triage [--queue URL]", "replay the TriageDeadLetterQueue's stream batches through triage, while the stream holds them"},
		}, redriveCommand},
		"diner": {[][2]string{
			{"diner export --phone N | --email E [--format json|csv]", "export a diner's data (the staff API's export; recorded and audited)"},
			{"diner erase --phone N | --email E --reason R", "erase a diner's personal data (the staff API's erasure)"},
		}, dinerCommand},
		"cases": {[][2]string{
			{"cases reindex [--brand wang] [--store S001,…] [--deployed]", "bring cases written before the Cases inbox into it and its search (once, after upgrading; safe to repeat)"},
		}, casesCommand},
		"scan": {[][2]string{
			{"scan mark --in PAGE.png --out MARKED.png --set field=value…", "mark a printed page (PNG) as a diner would"},
			{"scan import [--wait 60s] FILES…", "put scans into the running app's bucket and show what was read"},
			{"scan mail [--from ADDRESS --to BRAND@DOMAIN] FILE.eml|SCAN.pdf…", "drop an e-mail (or a scan as one) into the bucket's inbox/, as SES receiving does"},
		}, scanCommand},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := commands()
	if len(os.Args) < 2 {
		usage(os.Stderr, cmds)
		os.Exit(2)
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "cardloop: unknown command %q\n", os.Args[1])
		usage(os.Stderr, cmds)
		os.Exit(2)
	}
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) { // -h: the flag package printed the flags
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "cardloop %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: cardloop <command> [flags] [args]")
	for _, n := range names {
		for _, u := range cmds[n].usage {
			fmt.Fprintf(w, "  cardloop %s\n      %s\n", u[0], u[1])
		}
	}
	fmt.Fprintln(w, "Each command's flags: cardloop <command> -h")
}

// projectFlags adds the flags every command takes.
func projectFlags(fs *flag.FlagSet) (root, config *string) {
	root = fs.String("root", "", "project directory (default: nearest parent with template.yaml)")
	config = fs.String("config", "", "local runner configuration (default: <root>/infra/local.yaml)")
	return root, config
}

// loadProject loads the project at root (found from the working directory
// when empty) with the local runner configuration at config.
func loadProject(root, config string) (*runner.Project, error) {
	dir, err := findRoot(root)
	if err != nil {
		return nil, err
	}
	return runner.LoadProject(dir, config)
}

// findRoot returns dir if set, else the nearest directory upwards holding
// template.yaml.
func findRoot(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find project: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "template.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("find project: no template.yaml here or above; use -root")
		}
	}
}

// useFunctionEnvironment puts the environment the local runner gives
// function logicalID into this process's (what setup.Load reads, as in the
// running function), for a command that works on the running app; it
// returns the project and the emulator's endpoint.
func useFunctionEnvironment(root, config, logicalID string) (*runner.Project, string, error) {
	p, err := loadProject(root, config)
	if err != nil {
		return nil, "", err
	}
	endpoint := emulator.Endpoint()
	r, err := p.Resolver(endpoint)
	if err != nil {
		return nil, "", err
	}
	env, err := p.Environment(logicalID, r, endpoint)
	if err != nil {
		return nil, "", err
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return nil, "", fmt.Errorf("environment of %s: %w", logicalID, err)
		}
	}
	return p, endpoint, nil
}
