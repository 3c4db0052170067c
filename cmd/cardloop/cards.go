package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/seed"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
)

const cardsUsage = `usage:
  cardloop cards print --store S001 [--count 100] [--out s001.pdf] [--base-url URL]
                       [--key-file FILE | --key-parameter NAME] [--font FILE] [--layout N]
  cardloop cards layout [--version N]`

// cardsCommand prints paper feedback cards (a PDF) or the card layout.
func cardsCommand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(cardsUsage)
	}
	switch args[0] {
	case "print":
		return cardsPrint(ctx, args[1:], os.Stdout)
	case "layout":
		return cardsLayout(args[1:], os.Stdout)
	}
	return fmt.Errorf("unknown cards command %q\n%s", args[0], cardsUsage)
}

// cardsLayout writes a layout file as it is stored (already indented).
func cardsLayout(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cards layout", flag.ContinueOnError)
	version := fs.Int("version", cardlayout.CurrentVersion, "layout version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := cardlayout.Version(*version); err != nil {
		return err
	}
	b, err := cardlayout.JSON(*version)
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// cardsPrint writes a PDF of cards for a seeded store. The QR codes are
// signed with the key the local app verifies them with (the runner's
// link-signing-key secret file, created here as the runner would if it is
// missing), or, for cards to be used with a deployed stage, with the key in
// Parameter Store (--key-parameter, with --base-url the stage's URL).
func cardsPrint(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("cards print", flag.ContinueOnError)
	root, cfgPath := projectFlags(fs)
	storeID := fs.String("store", "", "store id (a seeded store: S001, S002, S003)")
	count := fs.Int("count", 100, "number of cards")
	out := fs.String("out", "", "PDF file to write (default: <store>.pdf, lower case)")
	baseURL := fs.String("base-url", "", "public URL of the app the QR codes open (default: the local gateway's PUBLIC_BASE_URL)")
	keyFile := fs.String("key-file", "", "file holding the link signing key (default: the local runner's)")
	keyParam := fs.String("key-parameter", "", "read the link signing key from this Parameter Store name instead (AWS credentials from the environment)")
	fontPath := fs.String("font", cardprint.FontPath(), "TrueType font covering Chinese (env "+cardprint.FontEnv+")")
	version := fs.Int("layout", cardlayout.CurrentVersion, "card layout version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *storeID == "" || fs.NArg() != 0 {
		return errors.New(cardsUsage)
	}
	if *out == "" {
		*out = strings.ToLower(*storeID) + ".pdf"
	}
	store, err := seededStore(*storeID)
	if err != nil {
		return err
	}
	layout, err := cardlayout.Version(*version)
	if err != nil {
		return err
	}
	font, err := cardprint.LoadFont(*fontPath)
	if err != nil {
		return err
	}

	var key []byte
	var record func(scan.PrintBatch) error // where the print batch is recorded: the local app's table
	base := *baseURL
	switch {
	case *keyParam != "":
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("load AWS config: %w", err)
		}
		if key, err = ssmparam.New(cfg).Load(ctx, *keyParam); err != nil {
			return err
		}
		if base == "" {
			return errors.New("--key-parameter needs --base-url (the deployed app's public URL)")
		}
	default:
		p, err := loadProject(*root, *cfgPath)
		if err != nil {
			return err
		}
		path := *keyFile
		if path == "" {
			if path, err = localKeyFile(p); err != nil {
				return err
			}
		}
		if key, err = readOrCreateKey(path); err != nil {
			return err
		}
		if base == "" {
			base = localBaseURL(p)
		}
		record = func(b scan.PrintBatch) error {
			endpoint := emulator.Endpoint()
			cfg, err := emulator.Config(ctx, endpoint)
			if err != nil {
				return err
			}
			res := provision.Placeholders(p.Template, p.Config.Stack, endpoint)
			return allstores.New(dynamodb.NewFromConfig(cfg), res["Table"].Name).PutPrintBatch(ctx, b)
		}
	}
	signer, err := link.NewSigner(key, time.Now)
	if err != nil {
		return err
	}
	batch, err := cardprint.NewBatch(time.Now(), rand.Reader)
	if err != nil {
		return err
	}

	// Write beside the target and rename, so a failure leaves no half PDF.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".cards-*.pdf")
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	defer os.Remove(tmp.Name())
	serials, err := cardprint.Cards(tmp, cardprint.Options{
		Store: store, Count: *count, Layout: layout, BaseURL: base, Signer: signer, Font: font, Batch: batch,
	})
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", *out, cerr)
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	// Scans of these cards are read by the items they were printed with.
	if pb := paper.PrintBatch(store, layout.Version, batch, len(serials)); record == nil {
		fmt.Fprintf(stdout, "print batch %s: not recorded in a deployed stage's table (cards are then read by the store's items of the day)\n", pb.ID)
	} else if err := record(pb); err != nil {
		fmt.Fprintf(stdout, "print batch %s not recorded (is `make run` running?): %v\n", pb.ID, err)
	}
	fmt.Fprintf(stdout, "wrote %d card(s) for %s (layout v%d) to %s\nserials %s … %s\nfirst QR code: %s\n",
		len(serials), store.ID, layout.Version, *out,
		cardprint.FormatSerial(serials[0]), cardprint.FormatSerial(serials[len(serials)-1]),
		signer.CardURL(base, store.ID, serials[0], layout.Version))
	return nil
}

// seededStore returns the demo store id (infra/seed/demo.json), the stores
// `make run` starts with.
func seededStore(id string) (brand.Store, error) {
	demo, err := seed.Load()
	if err != nil {
		return brand.Store{}, err
	}
	var ids []string
	for _, raw := range demo.Stores {
		var s brand.Store
		if err := json.Unmarshal(raw, &s); err != nil {
			return brand.Store{}, fmt.Errorf("demo store: %w", err)
		}
		if strings.EqualFold(s.ID, id) {
			return s, s.Validate()
		}
		ids = append(ids, s.ID)
	}
	return brand.Store{}, fmt.Errorf("store %q is not a seeded store (%s)", id, strings.Join(ids, ", "))
}

// localKeyFile returns the file the local runner keeps the link signing key
// in (infra/local.yaml, secrets: …/link-signing-key).
func localKeyFile(p *runner.Project) (string, error) {
	for _, s := range p.Config.Secrets {
		if strings.HasSuffix(s.Parameter, "/link-signing-key") {
			if filepath.IsAbs(s.File) {
				return s.File, nil
			}
			return filepath.Join(p.Root, s.File), nil
		}
	}
	return "", errors.New("the local configuration has no link-signing-key secret; use --key-file")
}

// readOrCreateKey reads a signing key file, or creates one as the local
// runner does (32 random bytes, base64): the runner then puts the same key
// into the emulator, so the local app verifies these cards. The key is the
// file's text, as Parameter Store hands it to the functions.
func readOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write signing key %s: %w", path, err)
	}
	return []byte(v), nil
}

// localBaseURL is the URL the local functions use for links
// (PUBLIC_BASE_URL in infra/local.yaml), else the gateway's address.
func localBaseURL(p *runner.Project) string {
	if u := p.Config.Functions["*"].Environment["PUBLIC_BASE_URL"]; u != "" && !strings.Contains(u, "${") {
		return u
	}
	return "http://" + p.Config.Addr
}
