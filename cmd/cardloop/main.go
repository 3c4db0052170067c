// Command cardloop is the project's developer tool.
//
//	cardloop run                      run everything locally (make run)
//	cardloop token <email>            print an ID token for a seeded user
//	cardloop trigger <Function> <Event>  fire a schedule of the running app now
//
// Each subcommand lives in its own file; add one by writing the file and
// listing it in commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/cardloop/cardloop/infra/runner"
)

// command is one subcommand.
type command struct {
	usage string
	run   func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"run":       {"run                         run the whole app locally", runCommand},
		"token":     {"token <email>               print an ID token for a seeded user", tokenCommand},
		"trigger":   {"trigger <Function> <Event>  fire a schedule of the running app now", triggerCommand},
		"occasions": {"occasions [--region TW] YEAR print the year's greeting occasions", occasionsCommand},
		"cards":     {"cards print|layout [flags]  print paper cards (PDF) or the card layout", cardsCommand},
		"scan":      {"scan import FILES…          put scans into the running app's bucket and show what was read", scanCommand},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := commands()
	if len(os.Args) < 2 {
		usage(cmds)
		os.Exit(2)
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "cardloop: unknown command %q\n", os.Args[1])
		usage(cmds)
		os.Exit(2)
	}
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "cardloop %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage(cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: cardloop <command> [flags] [args]")
	for _, n := range names {
		fmt.Fprintln(os.Stderr, "  cardloop "+cmds[n].usage)
	}
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
