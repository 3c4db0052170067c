// Package emf writes CloudWatch metrics as log lines in the Embedded Metric
// Format: a Lambda function prints one JSON line to its log and CloudWatch
// Logs turns it into a metric, with no API call, no client and no wait.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Metrics writes the metrics of one namespace, each with the same
// dimensions, as EMF lines to a writer (a function's standard output).
type Metrics struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	dims      map[string]string
}

// New returns the metrics of namespace, each carrying the dimensions dims
// (name → value; one dimension set of all of them), written to w.
func New(w io.Writer, namespace string, dims map[string]string) *Metrics {
	return &Metrics{w: w, namespace: namespace, dims: maps.Clone(dims)}
}

type directive struct {
	Namespace  string     `json:"Namespace"`
	Dimensions [][]string `json:"Dimensions"`
	Metrics    []metric   `json:"Metrics"`
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// Count writes one line holding metric name with the value n (unit Count),
// observed at at. Errors are the writer's.
func (m *Metrics) Count(name string, n int, at time.Time) error {
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": at.UnixMilli(),
			"CloudWatchMetrics": []directive{{
				Namespace:  m.namespace,
				Dimensions: [][]string{slices.Sorted(maps.Keys(m.dims))},
				Metrics:    []metric{{Name: name, Unit: "Count"}},
			}},
		},
		name: n,
	}
	for k, v := range m.dims {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("encode metric %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write metric %s: %w", name, err)
	}
	return nil
}
