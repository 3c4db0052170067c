package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cardloop/cardloop/infra/schedule"
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
// what the run did: a line saying how it went, what the function logged
// meanwhile (indented) and its response (indented JSON), when it has one. A
// failed run is an error carrying the function's error, after its log.
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
	logged, err := base64.StdEncoding.DecodeString(resp.Header.Get(schedule.LogHeader))
	if err != nil {
		return fmt.Errorf("trigger %s %s: read the function's log: %w", function, event, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			e.Message = resp.Status + ": " + string(bytes.TrimSpace(body))
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s (the schedules of the running app: http://%s/local/schedules)", e.Message, req.URL.Host)
		}
		if err := writeLog(w, logged); err != nil {
			return err
		}
		return fmt.Errorf("%s failed (%s) in %d ms: %s", function, event, took, e.Message)
	}
	if _, err := fmt.Fprintf(w, "%s ran (%s): ok in %d ms\n", function, event, took); err != nil {
		return err
	}
	if err := writeLog(w, logged); err != nil {
		return err
	}
	out := bytes.TrimSpace(body)
	if len(out) == 0 || string(out) == "null" {
		_, err = fmt.Fprintln(w, "response: none")
		return err
	}
	var b bytes.Buffer
	b.WriteString("response:\n  ")
	if json.Indent(&b, out, "  ", "  ") != nil {
		b.Truncate(len("response:\n  "))
		b.Write(out)
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// writeLog writes what the function logged during the run, indented, or
// that it logged nothing.
func writeLog(w io.Writer, logged []byte) error {
	text := strings.TrimRight(string(logged), "\n")
	if text == "" {
		_, err := fmt.Fprintln(w, "logged: nothing")
		return err
	}
	_, err := fmt.Fprintf(w, "logged:\n  %s\n", strings.ReplaceAll(text, "\n", "\n  "))
	return err
}
