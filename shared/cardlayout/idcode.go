package cardlayout

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
)

// The ID code: a card's serial and layout version printed as a grid of
// black and white cells in Layout.Code, read when the QR code cannot be.
//
// 120 cells, IDRows rows of IDCols, row by row from the top left: the
// serial's 15 base32 characters (RFC 4648, 5 bits each, 75 bits), the
// layout version (8 bits), a CRC-32 (IEEE) of those 83 bits packed into
// bytes, and 5 zero bits; all XORed with a fixed pseudo-random sequence so
// that every code has black and white cells throughout (a serial's run of
// "A"s is not a run of white). A black cell is a 1.
const (
	IDRows = 2
	IDCols = 60
	// MinIDCell is the smallest cell side (mm) Validate accepts: 6 pixels
	// at 150 dpi.
	MinIDCell = 0.8
)

const (
	idSerialLen = 15
	idBits      = IDRows * IDCols
	base32Abc   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// ErrIDCode is what DecodeID returns for cells that are not a valid code.
var ErrIDCode = errors.New("cardlayout: not a valid ID code")

// idWhitening is the fixed sequence the bits are XORed with.
var idWhitening = func() [idBits]bool {
	var w [idBits]bool
	x := uint32(0x2545F491)
	for i := range w {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		w[i] = x&1 == 1
	}
	return w
}()

// EncodeID returns the cells of the ID code of a serial (15 characters of
// base32) and a layout version (1–255), row by row; true is black.
func EncodeID(serial string, version int) ([]bool, error) {
	if len(serial) != idSerialLen {
		return nil, fmt.Errorf("ID code of serial %q: want %d characters", serial, idSerialLen)
	}
	if version < 1 || version > 255 {
		return nil, fmt.Errorf("ID code of serial %q: layout version %d out of 1–255", serial, version)
	}
	bits := make([]bool, 0, idBits)
	put := func(v uint32, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	for _, ch := range serial {
		k := strings.IndexRune(base32Abc, ch)
		if k < 0 {
			return nil, fmt.Errorf("ID code of serial %q: %q is not base32", serial, ch)
		}
		put(uint32(k), 5)
	}
	put(uint32(version), 8)
	put(crc32.ChecksumIEEE(pack(bits)), 32)
	for len(bits) < idBits {
		bits = append(bits, false)
	}
	for i := range bits {
		bits[i] = bits[i] != idWhitening[i]
	}
	return bits, nil
}

// DecodeID reads the cells of an ID code (as EncodeID returns them) back
// into the serial and layout version, or ErrIDCode when the check code or
// the padding does not match.
func DecodeID(cells []bool) (serial string, version int, err error) {
	if len(cells) != idBits {
		return "", 0, ErrIDCode
	}
	bits := make([]bool, idBits)
	for i := range bits {
		bits[i] = cells[i] != idWhitening[i]
	}
	get := func(at, n int) uint32 {
		var v uint32
		for i := 0; i < n; i++ {
			v <<= 1
			if bits[at+i] {
				v |= 1
			}
		}
		return v
	}
	const data = idSerialLen*5 + 8
	if get(data, 32) != crc32.ChecksumIEEE(pack(bits[:data])) || get(data+32, idBits-data-32) != 0 {
		return "", 0, ErrIDCode
	}
	var sb strings.Builder
	for i := 0; i < idSerialLen; i++ {
		sb.WriteByte(base32Abc[get(5*i, 5)])
	}
	version = int(get(idSerialLen*5, 8))
	if version == 0 {
		return "", 0, ErrIDCode
	}
	return sb.String(), version, nil
}

// pack packs bits into bytes, most significant first.
func pack(bits []bool) []byte {
	out := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}
