package privacy

import "testing"

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"林小姐", "林•••"},
		{"Amy Chen", "A•••"},
		{"  王  ", "王•••"},
		{"", ""},
		{"\xff\xfe", "•••"},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
