package privacy

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
)

// ConsentEvent is one entry of a diner's consent log.
type ConsentEvent struct {
	At        time.Time     `json:"at" dynamodbav:"at"`
	Attribute string        `json:"attribute" dynamodbav:"attribute"`
	Consent   diner.Consent `json:"consent" dynamodbav:"consent"`
}

// SendRecord is one greeting sent (or tried) to a diner.
type SendRecord struct {
	Occasion   string `json:"occasion" dynamodbav:"occasion"` // <occasion>#<year>, as the record is keyed
	CampaignID string `json:"campaignId" dynamodbav:"campaignId"`
	Status     string `json:"status" dynamodbav:"status"`
	SentAt     string `json:"sentAt,omitempty" dynamodbav:"sentAt,omitempty"`
}

// Data is everything the brand keeps about one diner: the answer to an
// access or portability request, and what a diner's own page shows.
type Data struct {
	Profile   diner.Profile     `json:"profile"`
	Cards     []card.Card       `json:"cards"`
	Cases     []casework.Record `json:"cases"`
	Consents  []ConsentEvent    `json:"consentLog"`
	Greetings []SendRecord      `json:"greetings"`
}

// JSON returns the export as indented JSON.
func (d Data) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export as JSON: %w", err)
	}
	return b, nil
}

// CSV returns the export as one CSV table of section, item, field, value:
// every value of the JSON export, flattened (a field path like
// "ratings.main" or "contacts.0.outcome"), so nothing is left out and a
// spreadsheet opens it.
func (d Data) CSV() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("export as CSV: %w", err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("export as CSV: %w", err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"section", "item", "field", "value"})
	for _, section := range []string{"profile", "cards", "cases", "consentLog", "greetings"} {
		switch v := top[section].(type) {
		case []any:
			for i, item := range v {
				writeFlat(w, section, strconv.Itoa(i+1), "", item)
			}
		default:
			writeFlat(w, section, "1", "", v)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("export as CSV: %w", err)
	}
	return buf.Bytes(), nil
}

func writeFlat(w *csv.Writer, section, item, path string, v any) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			writeFlat(w, section, item, join(k), x[k])
		}
	case []any:
		for i, e := range x {
			writeFlat(w, section, item, join(strconv.Itoa(i)), e)
		}
	case nil:
	default:
		_ = w.Write([]string{section, item, path, fmt.Sprint(x)})
	}
}
