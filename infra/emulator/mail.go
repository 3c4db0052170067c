package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/http"
	"strings"
	"time"
)

// SentRaw returns the raw MIME messages the emulator's SES has accepted
// since it started (or was reset), oldest first, from moto's data
// endpoint.
//
// moto serialises its whole state for that endpoint while other requests may
// change it, and then answers a 500 page ("dictionary changed size during
// iteration"): the read is retried, a few times, as it changes nothing.
func SentRaw(endpoint string) ([]string, error) {
	var err error
	for attempt := range 8 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
		}
		var out []string
		if out, err = sentRaw(endpoint); err == nil {
			return out, nil
		}
	}
	return nil, err
}

func sentRaw(endpoint string) ([]string, error) {
	resp, err := http.Get(endpoint + "/moto-api/data.json")
	if err != nil {
		return nil, fmt.Errorf("read emulator mail: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("read emulator mail: %s: %q", resp.Status, body)
	}
	var data struct {
		SES struct {
			RawMessage []struct {
				RawData string `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		return nil, fmt.Errorf("decode emulator mail: %w", err)
	}
	out := make([]string, 0, len(data.SES.RawMessage))
	for _, m := range data.SES.RawMessage {
		out = append(out, m.RawData)
	}
	return out, nil
}

// MailTo returns the messages the emulator's SES holds for addr, oldest
// first, decoded from quoted-printable (a part that is not stays as sent).
func MailTo(endpoint, addr string) ([]string, error) {
	raw, err := SentRaw(endpoint)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range raw {
		head, _, _ := strings.Cut(m, "\r\n\r\n")
		if !strings.Contains(head, "To: "+addr) {
			continue
		}
		b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m)))
		if err != nil {
			b = []byte(m)
		}
		out = append(out, string(b))
	}
	return out, nil
}
