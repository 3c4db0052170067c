package cardlayout

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
)

// CurrentVersion is the layout new cards are printed with.
const CurrentVersion = 1

//go:embed v*.json
var files embed.FS

// ErrUnknownVersion is returned for a layout version no file describes.
var ErrUnknownVersion = errors.New("unknown card layout version")

// JSON returns the file of layout version n as it is stored (vN.json).
func JSON(n int) ([]byte, error) {
	b, err := files.ReadFile(fmt.Sprintf("v%d.json", n))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("card layout v%d: %w", n, ErrUnknownVersion)
	}
	if err != nil {
		return nil, fmt.Errorf("card layout v%d: %w", n, err)
	}
	return b, nil
}

// Version returns layout version n, parsed and validated. Cards carry their
// layout version in the QR code, so a reader asks for the version printed
// on the card, never simply the current one.
func Version(n int) (Layout, error) {
	b, err := JSON(n)
	if err != nil {
		return Layout{}, err
	}
	l, err := Parse(b)
	if err != nil {
		return Layout{}, fmt.Errorf("card layout v%d: %w", n, err)
	}
	if l.Version != n {
		return Layout{}, fmt.Errorf("card layout v%d: file says version %d", n, l.Version)
	}
	return l, nil
}

// Current returns the layout new cards are printed with. The embedded file
// is checked by the package's tests, so a failure here is a build defect
// and panics.
func Current() Layout {
	l, err := Version(CurrentVersion)
	if err != nil {
		panic(err)
	}
	return l
}

// Parse decodes a layout file (unknown keys are refused, so a misspelt key
// cannot silently drop a setting) and validates it.
func Parse(b []byte) (Layout, error) {
	var l Layout
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return Layout{}, fmt.Errorf("parse layout: %w", err)
	}
	if err := l.Validate(); err != nil {
		return Layout{}, err
	}
	return l, nil
}
