package dynamo

import "hash/fnv"

// Key shapes shared by several stores (docs/data-model.md lists every key):
// a diner's profile is written with a card, with its cases and by greetings;
// stores and brands are read by all.

// DinerPK is the partition of a diner's profile and indexes.
func DinerPK(brandID, key string) string { return "DINER#" + brandID + "#" + key }

// StorePK is a store's item.
func StorePK(id string) string { return "STORE#" + id }

// BrandPK is a brand's item (and its stores' and campaigns' partition).
func BrandPK(id string) string { return "BRAND#" + id }

// Shard spreads the items of one index partition over n partition keys
// (FNV-32a of id, modulo n), so that no single key of a sparse index takes
// every write; a reader queries each of the n.
func Shard(id string, n uint32) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32() % n
}
