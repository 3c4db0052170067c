package insightstore

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cardloop/cardloop/shared/insight"
)

// packedAttr is the attribute that holds a period item's counters packed:
// the JSON object of every counter, gzipped. A store-day of a busy store
// keeps several hundred counters (each rated item's count, sum and
// distribution and its correlation sums, by meal and source); packed they
// take a few kilobytes instead of one attribute each, which is what a write
// of the item is billed by. Counters added in place by Add stay attributes
// of their own until the next whole write folds them in; reading sums both.
const packedAttr = "c"

func pack(c insight.Counters) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(c); err != nil {
		return nil, fmt.Errorf("pack counters: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("pack counters: %w", err)
	}
	return buf.Bytes(), nil
}

func unpack(b []byte) (insight.Counters, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("unpack counters: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("unpack counters: %w", err)
	}
	c := insight.Counters{}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("unpack counters: %w", err)
	}
	return c, nil
}
