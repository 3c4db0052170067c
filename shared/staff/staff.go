// Package staff says who a signed-in staff member is and what they may see.
// Identity comes from the claims of the ID token that the HTTP API's JWT
// authorizer has already verified (Cognito in AWS, the local runner's
// sign-in when running locally).
package staff

import (
	"slices"
	"strings"
)

// Roles, as Cognito groups.
const (
	StoreManager = "store_manager"
	AreaManager  = "area_manager"
	Operations   = "operations"
	Marketing    = "marketing"
	Admin        = "admin"
)

// Principal is a signed-in staff member.
type Principal struct {
	Subject string   `json:"sub"`
	Email   string   `json:"email"`
	Name    string   `json:"name,omitempty"`
	Brand   string   `json:"brand,omitempty"`
	Groups  []string `json:"groups"`
	Stores  []string `json:"stores"` // the stores a manager is responsible for
}

// FromClaims reads a principal from JWT claims as API Gateway hands them to a
// function: every value a string, arrays rendered "[a b]" (or as JSON). It
// returns false when the claims name nobody.
func FromClaims(claims map[string]string) (Principal, bool) {
	p := Principal{
		Subject: claims["sub"],
		Email:   strings.ToLower(claims["email"]),
		Name:    claims["name"],
		Brand:   claims["custom:brand"],
		Groups:  list(claims["cognito:groups"]),
		Stores:  list(claims["custom:stores"]),
	}
	if p.Subject == "" && p.Email == "" {
		return Principal{}, false
	}
	return p, true
}

// list parses "[a b]", `["a","b"]` and "a,b" alike.
func list(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	out := make([]string, 0, len(f))
	for _, v := range f {
		if v = strings.Trim(v, `"`); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Is reports whether p is in group.
func (p Principal) Is(group string) bool { return slices.Contains(p.Groups, group) }

// SeesAllStores reports whether p's role covers every store of the brand.
func (p Principal) SeesAllStores() bool {
	return p.Is(Operations) || p.Is(Admin) || p.Is(Marketing)
}

// CanSeeStore reports whether p may see the store's cards and cases.
func (p Principal) CanSeeStore(storeID string) bool {
	return p.SeesAllStores() || slices.Contains(p.Stores, storeID)
}

// RunsCampaigns reports whether p may draft, approve and schedule greeting
// campaigns.
func (p Principal) RunsCampaigns() bool { return p.Is(Marketing) || p.Is(Admin) }

// BearerToken returns the token of an Authorization header of the exact
// form "Bearer <token>": the scheme as RFC 6750 writes it, one space, a
// token without spaces. A lower-case "bearer", a bare token, another scheme
// or an empty token is refused (ok false). The local gateway and the
// console's API both read the header through it, so they refuse alike —
// also in AWS, where the JWT authorizer would take a bare token.
func BearerToken(authorization string) (token string, ok bool) {
	token, found := strings.CutPrefix(authorization, "Bearer ")
	if !found || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// WorksCasesOf reports whether p may work a store's cases from the console
// (acknowledge, record a call, resolve, reopen, assign): the store's own
// store managers and area managers, operations and admin. Marketing sees
// figures, not cases to work.
func (p Principal) WorksCasesOf(storeID string) bool {
	if p.Is(Operations) || p.Is(Admin) {
		return true
	}
	return (p.Is(StoreManager) || p.Is(AreaManager)) && slices.Contains(p.Stores, storeID)
}
