package dynamo

import (
	"fmt"
	"hash/fnv"
)

// GSI5 is the retention index (template.yaml): only diner profiles and
// pending opt-in markers carry its keys, sorted by the date from which
// they count, so the retention job reads just what is due, never a Scan.
const GSI5 = "gsi5"

// retainShards spreads a brand's diners over a few index partitions.
const retainShards = 4

// RetainShards are the gsi5 partitions of one kind for a brand, each read
// by the retention job.
func RetainShards(prefix, brandID string) []string {
	out := make([]string, retainShards)
	for i := range out {
		out[i] = fmt.Sprintf("%s#%s#%d", prefix, brandID, i)
	}
	return out
}

// RetainPK is the gsi5 partition of a diner's item of kind prefix
// ("RETAIN" for the profile, "OPTIN" for a pending opt-in marker).
func RetainPK(prefix, brandID, dinerKey string) string {
	h := fnv.New32a()
	h.Write([]byte(dinerKey))
	return fmt.Sprintf("%s#%s#%d", prefix, brandID, h.Sum32()%retainShards)
}

// RetainSK sorts a diner's item by the date (YYYY-MM-DD or a Stamp) its
// retention counts from.
func RetainSK(from, dinerKey string) string { return from + "#" + dinerKey }

// Retention index prefixes.
const (
	RetainProfile = "RETAIN"
	RetainOptIn   = "OPTIN"
)
