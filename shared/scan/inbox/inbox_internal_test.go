package inbox

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/i18n"
)

// TestAttachments: the scans of a message, wherever its multiparts nest
// them, by type or by a file name's extension; nothing else.
func TestAttachments(t *testing.T) {
	head := "From: a@example.com\r\nTo: wang@scans.test\r\nMIME-Version: 1.0\r\n"
	tests := []struct {
		name string
		raw  string
		want []string // name=content
	}{
		{"plain text only", head + "Content-Type: text/plain\r\n\r\nhello\r\n", nil},
		{"a PDF by type, base64 over lines", head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"scan 1.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBE\r\nRi0x\r\n--b--\r\n",
			[]string{"scan-1.pdf=%PDF-1"}},
		{"a TIFF as octet-stream, nested", head + "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nx\r\n--i--\r\n--o\r\nContent-Type: application/octet-stream; name=\"p.TIF\"\r\n\r\nII*\r\n--o--\r\n",
			[]string{"p.TIF=II*"}},
		{"a Word file is no scan", head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/msword; name=\"a.doc\"\r\n\r\nx\r\n--b--\r\n", nil},
		{"an encoded file name, quoted-printable", head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/jpeg; name=\"=?utf-8?q?=E6=8E=83=E6=8F=8F.jpg?=\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=FF=D8\r\n--b--\r\n",
			[]string{"jpg=\xff\xd8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := mail.ReadMessage(strings.NewReader(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			files, err := attachments(msg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.name+"="+string(f.data))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStaffLanguage: the brand's managers, area managers and operations
// address are staff, answered in their store's language; no one else is.
func TestStaffLanguage(t *testing.T) {
	b := brand.Brand{ID: "wang", OperationsEmail: "ops@example.com"}
	stores := []brand.Store{
		{ID: "S001", Language: i18n.ZhTW, ManagerEmail: "m1@example.com", AreaManagerEmail: "area@example.com"},
		{ID: "S002", Language: i18n.En, ManagerEmail: "m2@example.com"},
	}
	tests := []struct {
		sender string
		lang   i18n.Lang
		ok     bool
	}{
		{"m2@example.com", i18n.En, true},
		{"area@example.com", i18n.ZhTW, true},
		{"ops@example.com", i18n.ZhTW, true},
		{"m1@example.com.evil.test", "", false},
		{"someone@example.com", "", false},
	}
	for _, tt := range tests {
		lang, ok := staffLanguage(b, stores, tt.sender)
		if lang != tt.lang || ok != tt.ok {
			t.Errorf("%s: %q %v, want %q %v", tt.sender, lang, ok, tt.lang, tt.ok)
		}
	}
}
