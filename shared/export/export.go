// Package export writes a store's cards and cases as CSV for a spreadsheet:
// UTF-8 with a byte-order mark so Excel shows Chinese, RFC 4180 quoting
// (encoding/csv), and every cell that a spreadsheet would read as a formula
// neutralised (CSV injection). It decides who gets the diners' contact
// columns, and counts what it wrote so a caller can keep a response under a
// size limit.
package export

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"github.com/cardloop/cardloop/shared/staff"
)

// Kinds of export.
const (
	Cards = "cards"
	Cases = "cases"
)

// Kinds lists the kinds an export may ask for.
var Kinds = []string{Cards, Cases}

// BOM is the UTF-8 byte-order mark every export starts with: without it,
// Excel reads a CSV file in the machine's legacy code page and Chinese
// comes out garbled.
const BOM = "\uFEFF"

// Cell neutralises a value a spreadsheet would take for a formula or a
// command: one starting with =, +, -, @, a tab or a carriage return gets a
// leading single quote (OWASP's advice), which spreadsheets show as text.
// Everything else is kept exactly.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// SeesContacts reports whether p may export the diners' contact details
// (name, phone, e-mail) of a store: its store managers, who make the
// apology calls, and operations and admins, who answer for the whole
// brand. Area managers and marketing get the rest of the export without
// them: they look at figures and comments, not at who wrote them.
func SeesContacts(p staff.Principal, storeID string) bool {
	if p.Is(staff.Operations) || p.Is(staff.Admin) {
		return true
	}
	return p.Is(staff.StoreManager) && slices.Contains(p.Stores, storeID)
}

// Writer writes CSV rows, each cell neutralised, after the byte-order
// mark, and counts the rows and bytes written.
type Writer struct {
	out   *countingWriter
	csv   *csv.Writer
	rows  int
	begun bool
}

// NewWriter returns a Writer to w. Rows end in CRLF, as RFC 4180 has it
// and Excel expects.
func NewWriter(w io.Writer) *Writer {
	cw := &countingWriter{w: w}
	c := csv.NewWriter(cw)
	c.UseCRLF = true
	return &Writer{out: cw, csv: c}
}

// Write writes one row (the header counts as one).
func (w *Writer) Write(row []string) error {
	if !w.begun {
		w.begun = true
		if _, err := io.WriteString(w.out, BOM); err != nil {
			return err
		}
	}
	cells := make([]string, len(row))
	for i, v := range row {
		cells[i] = Cell(v)
	}
	if err := w.csv.Write(cells); err != nil {
		return err
	}
	w.rows++
	return nil
}

// Flush writes any buffered rows and returns the first error of any write.
func (w *Writer) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}

// Rows is the number of rows written, the header included.
func (w *Writer) Rows() int { return w.rows }

// Bytes is the number of bytes that reached the underlying writer (call
// Flush first for an exact count).
func (w *Writer) Bytes() int64 { return w.out.n }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// join lists values in one cell, space-separated.
func join(vs []string) string { return strings.Join(vs, " ") }
