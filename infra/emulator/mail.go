package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// SentRaw returns the raw MIME messages the emulator's SES has accepted
// since it started (or was reset), oldest first, from moto's data
// endpoint.
func SentRaw(endpoint string) ([]string, error) {
	resp, err := http.Get(endpoint + "/moto-api/data.json")
	if err != nil {
		return nil, fmt.Errorf("read emulator mail: %w", err)
	}
	defer resp.Body.Close()
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
