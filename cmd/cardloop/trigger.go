package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// triggerCommand asks the running app to fire a schedule now and prints
// the function's response.
func triggerCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trigger", flag.ContinueOnError)
	root, config := projectFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: cardloop trigger <FunctionLogicalId> <EventName>")
	}
	p, err := loadProject(*root, *config)
	if err != nil {
		return err
	}
	u := "http://" + p.Config.Addr + "/local/schedules/" + url.PathEscape(fs.Arg(0)) + "/" + url.PathEscape(fs.Arg(1))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("trigger %s %s: %w", fs.Arg(0), fs.Arg(1), err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("trigger %s %s (is `make run` running?): %w", fs.Arg(0), fs.Arg(1), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("trigger %s %s: %s: %s", fs.Arg(0), fs.Arg(1), resp.Status, body)
	}
	fmt.Println(string(body))
	return nil
}
