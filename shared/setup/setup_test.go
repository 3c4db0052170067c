package setup

import "testing"

// TestLocalEndpoint: only an emulator on this machine gets the
// connection-per-request client.
func TestLocalEndpoint(t *testing.T) {
	for _, tt := range []struct {
		endpoint string
		want     bool
	}{
		{"http://127.0.0.1:4566", true},
		{"http://localhost:4566/", true},
		{"http://[::1]:4566", true},
		{"https://dynamodb.us-east-1.amazonaws.com", false},
		{"http://10.0.0.5:4566", false},
		{"", false},
		{"127.0.0.1:4566", false}, // not a URL with a host
	} {
		if got := LocalEndpoint(tt.endpoint); got != tt.want {
			t.Errorf("LocalEndpoint(%q) = %v, want %v", tt.endpoint, got, tt.want)
		}
	}
}
