package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// triggerCommand asks the running app to fire a schedule now and prints
// what the run did.
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
	return trigger(ctx, os.Stdout, "http://"+p.Config.Addr, fs.Arg(0), fs.Arg(1))
}

// trigger fires function's schedule event on the app at base and writes
// the function's response to w, or, when it has none, a line saying the
// run went well. A failed run is an error carrying the function's error.
func trigger(ctx context.Context, w io.Writer, base, function, event string) error {
	u := base + "/local/schedules/" + url.PathEscape(function) + "/" + url.PathEscape(event)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("trigger %s %s: %w", function, event, err)
	}
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("trigger %s %s (is `make run` running?): %w", function, event, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start).Milliseconds()
	if err != nil {
		return fmt.Errorf("trigger %s %s: read the response: %w", function, event, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			e.Message = resp.Status + ": " + string(bytes.TrimSpace(body))
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s (the schedules of the running app: http://%s/local/schedules)", e.Message, req.URL.Host)
		}
		return fmt.Errorf("%s failed (%s) in %d ms: %s", function, event, took, e.Message)
	}
	out := bytes.TrimSpace(body)
	if len(out) == 0 || string(out) == "null" {
		_, err = fmt.Fprintf(w, "%s ran (%s): ok in %d ms\n", function, event, took)
		return err
	}
	var b bytes.Buffer
	if json.Indent(&b, out, "", "  ") != nil {
		b.Reset()
		b.Write(out)
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}
