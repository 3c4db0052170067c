package cardprint

import (
	"errors"
	"fmt"
	"os"
)

// FontEnv names the environment variable that overrides DefaultFont.
const FontEnv = "CARDLOOP_FONT"

// DefaultFont is where Debian's fonts-droid-fallback package (installed by
// `make print-deps`, and by .ci/run) puts a TrueType font that covers
// Chinese. fpdf embeds TrueType only: .ttc collections and CFF-outline
// fonts such as Noto CJK do not load.
const DefaultFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// FontPath returns the CJK font file to embed: $CARDLOOP_FONT, else
// DefaultFont.
func FontPath() string {
	if p := os.Getenv(FontEnv); p != "" {
		return p
	}
	return DefaultFont
}

// LoadFont reads the CJK font at path, with an error that says how to get
// one.
func LoadFont(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("load card font: %s is missing: run `make print-deps` (Debian's fonts-droid-fallback) or set %s to a TrueType (.ttf) font that covers Chinese", path, FontEnv)
	}
	if err != nil {
		return nil, fmt.Errorf("load card font %s: %w", path, err)
	}
	if err := checkFont(b); err != nil {
		return nil, fmt.Errorf("load card font %s: %w", path, err)
	}
	return b, nil
}

// checkFont refuses what fpdf cannot embed, which it would otherwise only
// notice when the first character is written.
func checkFont(b []byte) error {
	if len(b) < 12 {
		return errors.New("not a font file")
	}
	switch string(b[:4]) {
	case "\x00\x01\x00\x00", "true":
		return nil
	case "ttcf":
		return errors.New("a TrueType collection (.ttc); fpdf needs a single .ttf")
	case "OTTO":
		return errors.New("an OpenType font with CFF outlines; fpdf needs TrueType outlines")
	}
	return errors.New("not a TrueType font")
}
