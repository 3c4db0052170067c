package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintOccasions(t *testing.T) {
	var b bytes.Buffer
	if err := printOccasions(&b, 2026, "TW"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"2026-02-17  spring_festival      春節 / Spring Festival",
		"2026-06-19  dragon_boat",
		"2026-09-25  mid_autumn",
		"2026-05-10  mothers_day",
		"2026-08-08  fathers_day",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i][:10] < lines[i-1][:10] {
			t.Errorf("not sorted by date at %q", lines[i])
		}
	}
}

// TestPrintOccasions2033 prints 2033, the year whose leap month carbon
// misplaces (after the 7th month instead of the 11th).
func TestPrintOccasions2033(t *testing.T) {
	var b bytes.Buffer
	if err := printOccasions(&b, 2033, "TW"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2033-01-31  spring_festival",
		"2033-09-08  mid_autumn",
		"2033-10-01  double_ninth",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}
