package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

// tokenCommand prints an ID token for a seeded user, signed with the local
// key, for curl: -H "Authorization: Bearer $(go run ./cmd/cardloop token …)".
func tokenCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	root, config := projectFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: cardloop token <email>")
	}
	p, err := loadProject(*root, *config)
	if err != nil {
		return err
	}
	tok, err := p.Token(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}
