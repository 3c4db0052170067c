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
	"os"
	"strings"
)

const dinerUsage = "usage: cardloop diner export --phone N | --email E [--format json|csv] [--reason R]\n       cardloop diner erase --phone N | --email E --reason R"

// dinerCommand answers a diner's data request from the command line, through
// the same staff API as the console (POST /api/v1/privacy/requests), so the
// request is recorded, audited and due-dated alike. By default it calls the
// local app (make run) as ops@example.com; with --api it calls a deployed
// stage's API with the ID token in CARDLOOP_TOKEN (an operations or admin
// user's Cognito token).
func dinerCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return errors.New(dinerUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("diner "+verb, flag.ContinueOnError)
	root, config := projectFlags(fs)
	phone := fs.String("phone", "", "the diner's mobile number (national numbers read in --region)")
	email := fs.String("email", "", "the diner's e-mail address")
	region := fs.String("region", "TW", "country of national phone numbers (TW, CN, SG)")
	reason := fs.String("reason", "", "why (required for erase; export: default \"copy requested by the diner\")")
	format := fs.String("format", "json", "export format: json or csv")
	api := fs.String("api", "", "a deployed stage's API base URL (default: the local app); the token is $CARDLOOP_TOKEN")
	as := fs.String("as", "ops@example.com", "the seeded staff member the local app's token names")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (*phone == "") == (*email == "") || fs.NArg() != 0 {
		return errors.New(dinerUsage)
	}
	if verb == "erase" && strings.TrimSpace(*reason) == "" {
		return errors.New("erase needs --reason")
	}
	if verb == "export" && *reason == "" {
		*reason = "copy requested by the diner"
	}
	base, token := strings.TrimSuffix(*api, "/"), os.Getenv("CARDLOOP_TOKEN")
	if base == "" {
		p, err := loadProject(*root, *config)
		if err != nil {
			return err
		}
		if token, err = p.Token(*as); err != nil {
			return err
		}
		base = "http://" + p.Config.Addr
	}
	if token == "" {
		return errors.New("set CARDLOOP_TOKEN to an operations or admin user's ID token")
	}
	body := map[string]string{"kind": verb, "phone": *phone, "email": *email, "region": *region, "reason": *reason}
	if verb == "export" {
		body["format"] = *format
	}
	return privacyRequest(ctx, os.Stdout, base, token, body)
}

// privacyRequest posts one request to the staff API at base and writes the
// answer (an export's JSON or CSV, an erasure's receipt) to w; a problem
// answer is an error carrying its detail and field errors.
func privacyRequest(ctx context.Context, w io.Writer, base, token string, body map[string]string) error {
	for k, v := range body {
		if v == "" {
			delete(body, k)
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/privacy/requests", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("privacy request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("privacy request (is the app running?): %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("privacy request: read the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Title, Detail string
			Errors        []struct{ Field, Message string }
		}
		if json.Unmarshal(out, &p) != nil {
			return fmt.Errorf("privacy request: %s", resp.Status)
		}
		msg := resp.Status + ": " + p.Title + " " + p.Detail
		for _, e := range p.Errors {
			msg += "; " + e.Field + ": " + e.Message
		}
		return errors.New(msg)
	}
	_, err = w.Write(out)
	return err
}
