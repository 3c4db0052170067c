package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/link"
)

func TestCardsLayout(t *testing.T) {
	var out bytes.Buffer
	if err := cardsLayout(nil, &out); err != nil {
		t.Fatal(err)
	}
	l, err := cardlayout.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != cardlayout.CurrentVersion {
		t.Errorf("got layout v%d, want v%d", l.Version, cardlayout.CurrentVersion)
	}
	if err := cardsLayout([]string{"--version", "99"}, &out); err == nil {
		t.Error("--version 99: got nil, want an error")
	}
}

func TestCardsPrint(t *testing.T) {
	if _, err := cardprint.LoadFont(cardprint.FontPath()); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("CJK font: %v", err)
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile, pdf := filepath.Join(dir, "key"), filepath.Join(dir, "s001.pdf")
	var out bytes.Buffer
	args := []string{"--store", "S001", "--count", "3", "--out", pdf, "--key-file", keyFile, "--base-url", "https://cards.example.com"}
	if err := cardsPrint(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || bytes.Count(b, []byte("/Type /Page\n")) != 3 {
		t.Errorf("got %d bytes with %d pages, want a PDF of 3 pages", len(b), bytes.Count(b, []byte("/Type /Page\n")))
	}
	// The key file was created, and the printed URL verifies with it.
	key, err := readOrCreateKey(keyFile)
	if err != nil || len(key) < link.MinKeyBytes {
		t.Fatalf("key: %d bytes, %v", len(key), err)
	}
	s, _ := link.NewSigner(key, time.Now)
	var url string
	for _, line := range strings.Split(out.String(), "\n") {
		if u, ok := strings.CutPrefix(line, "first QR code: "); ok {
			url = u
		}
	}
	ref, err := link.ParseCardURL(url)
	if err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if !strings.HasPrefix(url, "https://cards.example.com/c/S001?") || s.CheckCard(ref) != nil {
		t.Errorf("first QR code %s: want a signed card URL of S001", url)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("got %d files in the output directory, want the key and the PDF only", len(entries))
	}

	for _, bad := range [][]string{
		{"--count", "3"},
		{"--store", "S999", "--key-file", keyFile},
		{"--store", "S001", "--count", "0", "--out", filepath.Join(dir, "none.pdf"), "--key-file", keyFile},
	} {
		if err := cardsPrint(context.Background(), bad, &out); err == nil {
			t.Errorf("%v: got nil, want an error", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none.pdf")); !os.IsNotExist(err) {
		t.Errorf("a failed print left a file: %v", err)
	}
}
