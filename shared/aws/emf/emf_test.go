package emf_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/aws/emf"
)

// TestCountLine checks a line against the Embedded Metric Format: the
// directive names the namespace, the dimension set and the metric, whose
// value and dimension values are members of the root.
func TestCountLine(t *testing.T) {
	var buf bytes.Buffer
	m := emf.New(&buf, "cardloop", map[string]string{"Stage": "prod"})
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{3, 0} {
		buf.Reset()
		if err := m.Count("UntriagedCards", n, at); err != nil {
			t.Fatal(err)
		}
		var got struct {
			AWS struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			} `json:"_aws"`
			Stage          string
			UntriagedCards *int
		}
		line := buf.Bytes()
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("got %q, want one line", line)
		}
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		d := got.AWS.CloudWatchMetrics
		if got.AWS.Timestamp != at.UnixMilli() || len(d) != 1 || d[0].Namespace != "cardloop" ||
			len(d[0].Dimensions) != 1 || len(d[0].Dimensions[0]) != 1 || d[0].Dimensions[0][0] != "Stage" ||
			len(d[0].Metrics) != 1 || d[0].Metrics[0].Name != "UntriagedCards" || d[0].Metrics[0].Unit != "Count" {
			t.Errorf("directive: got %s", line)
		}
		if got.Stage != "prod" || got.UntriagedCards == nil || *got.UntriagedCards != n {
			t.Errorf("values: got %s, want Stage prod and UntriagedCards %d", line, n)
		}
	}
}
