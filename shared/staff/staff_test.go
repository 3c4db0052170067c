package staff_test

import (
	"slices"
	"testing"

	"github.com/cardloop/cardloop/shared/staff"
)

func TestFromClaims(t *testing.T) {
	tests := []struct {
		name       string
		claims     map[string]string
		groups     []string
		stores     []string
		seesS001   bool
		seesS002   bool
		recognised bool
	}{
		{"store manager as API Gateway renders arrays", map[string]string{"sub": "u1", "email": "Manager.S001@example.com", "cognito:groups": "[store_manager]", "custom:stores": "S001"},
			[]string{"store_manager"}, []string{"S001"}, true, false, true},
		{"area manager of two stores", map[string]string{"sub": "u2", "cognito:groups": "[area_manager]", "custom:stores": "S002,S003"},
			[]string{"area_manager"}, []string{"S002", "S003"}, false, true, true},
		{"groups as JSON", map[string]string{"sub": "u3", "cognito:groups": `["operations","marketing"]`},
			[]string{"operations", "marketing"}, []string{}, true, true, true},
		{"nobody", map[string]string{"cognito:groups": "[admin]"}, nil, nil, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := staff.FromClaims(tt.claims)
			if ok != tt.recognised {
				t.Fatalf("recognised: got %v, want %v", ok, tt.recognised)
			}
			if !ok {
				return
			}
			if !slices.Equal(p.Groups, tt.groups) || !slices.Equal(p.Stores, tt.stores) {
				t.Errorf("got groups %v stores %v, want %v %v", p.Groups, p.Stores, tt.groups, tt.stores)
			}
			if p.CanSeeStore("S001") != tt.seesS001 || p.CanSeeStore("S002") != tt.seesS002 {
				t.Errorf("sees S001/S002: got %v/%v, want %v/%v", p.CanSeeStore("S001"), p.CanSeeStore("S002"), tt.seesS001, tt.seesS002)
			}
		})
	}
}
