package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The binary form of calls and dependency requests (schema 2), the two files
// that grow with every call. A file is one text line naming it, then a zstd
// stream of records; each record is a few varints, most of them the
// difference from the same field of the stream's previous record, so a call
// takes 5–15 bytes before compression and about 4–9 after it. Strings are
// sent once and then referred to by number. docs/run-directory.md specifies
// the layout; [Cat] turns a file back into the JSON lines of schema 1.

// binMagic starts the first line of a binary records file.
const binMagic = "breakerlab "

// The kinds of binary records file, as the first line names them.
const (
	kindCalls = "calls"
	kindDeps  = "dependency"
)

// binHeader is the first line of a binary records file of kind.
func binHeader(kind string) string {
	return fmt.Sprintf("%s%s v%d: binary records, zstd-compressed; read them with: breakerlab cat FILE\n",
		binMagic, kind, SchemaVersion)
}

// parseBinHeader returns the kind a binary header line names.
func parseBinHeader(line string) (string, error) {
	var kind string
	var version int
	if _, err := fmt.Sscanf(strings.TrimPrefix(line, binMagic), "%s v%d:", &kind, &version); err != nil {
		return "", fmt.Errorf("unreadable first line %q", strings.TrimSpace(line))
	}
	if version != SchemaVersion {
		return "", fmt.Errorf("binary records of version %d, want %d (written by another breakerlab version)", version, SchemaVersion)
	}
	return kind, nil
}

// maxStrings bounds a stream's string table, so unique error texts cannot
// grow it (and every reader's copy) without limit; later new strings are
// sent in full each time.
const maxStrings = 4096

// maxStringLen bounds one string, so corrupt data cannot ask for gigabytes.
const maxStringLen = 16 << 20

// The first varint of a string: sent in full and forgotten, sent in full and
// remembered as the table's next entry, or strRef+i for entry i.
const (
	strOnce     = 0
	strRemember = 1
	strRef      = 2
)

// Flag bits of a call record; the low three bits are the Outcome.
const (
	callFallback = 1 << 3
	callHasAdmit = 1 << 4 // AdmitNs follows, as AdmitNs - StartNs
	callHasDone  = 1 << 5 // DoneNs follows, as DoneNs - EndNs
	callFlags    = 7 | callFallback | callHasAdmit | callHasDone
)

// Flag bits of a dependency request record.
const (
	depHungUp  = 1 << 0
	depSeqSent = 1 << 1
	depAttack  = 1 << 2 // Attack follows, after Err
	depFlags   = depHungUp | depSeqSent | depAttack
)

// binEncoder encodes one stream's records; it keeps the previous record
// and the string table. Not safe for concurrent use: the stream's lock
// guards it.
type binEncoder struct {
	strs    map[string]uint64
	seq     uint64
	startNs int64
	gen     uint64
	// The last string of each string field and its reference, if it has
	// one: a field mostly repeats itself, and comparing beats hashing.
	last [4]struct {
		s   string
		ref uint64
	}
}

// The string fields of a record, indexing binEncoder.last. A call's Reject
// takes fieldFault: a call has a Reject, a request a Fault.
const (
	fieldDep = iota
	fieldFault
	fieldErr
	fieldAttack
)

func newBinEncoder() *binEncoder { return &binEncoder{strs: map[string]uint64{"": 0}} }

func (e *binEncoder) appendString(b []byte, field int, s string) []byte {
	last := &e.last[field]
	if s == last.s && last.ref != 0 {
		return binary.AppendUvarint(b, last.ref)
	}
	if i, ok := e.strs[s]; ok {
		last.s, last.ref = s, strRef+i
		return binary.AppendUvarint(b, strRef+i)
	}
	kind := uint64(strOnce)
	if len(e.strs) < maxStrings {
		kind = strRemember
		e.strs[s] = uint64(len(e.strs))
	}
	b = binary.AppendUvarint(b, kind)
	if !utf8.ValidString(s) {
		s = validString(s)
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// validString replaces each invalid UTF-8 byte with U+FFFD, as the JSON
// lines do, so both forms read back the same strings.
func validString(s string) string {
	var b strings.Builder
	for _, r := range s { // an invalid byte ranges as utf8.RuneError, one at a time
		b.WriteRune(r)
	}
	return b.String()
}

// appendCall appends c's record. Differences wrap around, so every value
// round-trips.
func (e *binEncoder) appendCall(b []byte, c *Call) []byte {
	flags := uint64(c.Outcome) & 7
	if c.Fallback {
		flags |= callFallback
	}
	hasAdmit := c.AdmitNs != 0 && c.AdmitNs != c.StartNs // as AppendJSON leaves it out
	hasDone := c.DoneNs != 0 && c.DoneNs != c.EndNs
	if hasAdmit {
		flags |= callHasAdmit
	}
	if hasDone {
		flags |= callHasDone
	}
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendVarint(b, int64(c.Seq-e.seq))
	b = e.appendString(b, fieldDep, c.Dep)
	b = binary.AppendVarint(b, c.StartNs-e.startNs)
	b = binary.AppendVarint(b, c.EndNs-c.StartNs)
	if hasAdmit {
		b = binary.AppendVarint(b, c.AdmitNs-c.StartNs)
	}
	if hasDone {
		b = binary.AppendVarint(b, c.DoneNs-c.EndNs)
	}
	b = binary.AppendVarint(b, int64(c.Gen-e.gen))
	b = e.appendString(b, fieldFault, c.Reject)
	b = e.appendString(b, fieldErr, c.Err)
	e.seq, e.startNs, e.gen = c.Seq, c.StartNs, c.Gen
	return b
}

// appendDepRequest appends r's record.
func (e *binEncoder) appendDepRequest(b []byte, r *DepRequest) []byte {
	var flags uint64
	if r.HungUp {
		flags |= depHungUp
	}
	if r.SeqSent {
		flags |= depSeqSent
	}
	if r.Attack != "" {
		flags |= depAttack
	}
	b = binary.AppendUvarint(b, flags)
	b = e.appendString(b, fieldDep, r.Dep)
	b = binary.AppendVarint(b, int64(r.Seq-e.seq))
	b = binary.AppendVarint(b, r.AtNs-e.startNs)
	b = e.appendString(b, fieldFault, r.Fault)
	b = binary.AppendVarint(b, r.LatencyNs)
	b = binary.AppendVarint(b, int64(r.Status))
	b = e.appendString(b, fieldErr, r.Err)
	if r.Attack != "" {
		b = e.appendString(b, fieldAttack, r.Attack)
	}
	e.seq, e.startNs = r.Seq, r.AtNs
	return b
}

// errCorrupt marks a record that decodes to nonsense: an error, unlike a
// record cut off by the end of the file, which is a warning.
var errCorrupt = errors.New("corrupt record")

// binDecoder decodes one stream's records, mirroring binEncoder. It
// decodes from a buffer it refills from src, rather than a byte at a time.
// Its first error sticks; the caller checks it once per record.
type binDecoder struct {
	src     io.Reader
	buf     []byte // buf[pos:] is read and not yet decoded
	pos     int
	srcErr  error // what src returned when it could not fill buf
	err     error
	strs    []string
	seq     uint64
	startNs int64
	gen     uint64
}

func newBinDecoder(src io.Reader) *binDecoder {
	return &binDecoder{src: src, buf: make([]byte, 0, 64<<10), strs: []string{""}}
}

// fill tries to have n bytes buffered, and reports whether it has.
func (d *binDecoder) fill(n int) bool {
	if len(d.buf)-d.pos >= n {
		return true
	}
	if d.srcErr != nil {
		return false
	}
	rest := copy(d.buf[:cap(d.buf)], d.buf[d.pos:])
	d.buf, d.pos = d.buf[:rest], 0
	if n > cap(d.buf) {
		d.buf = append(make([]byte, 0, n), d.buf...)
	}
	for len(d.buf) < n && d.srcErr == nil {
		k, err := d.src.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+k]
		d.srcErr = err
	}
	return len(d.buf) >= n
}

// more reports whether another record follows; at the end of the stream it
// returns false and the error that ended it (io.EOF for a clean end).
func (d *binDecoder) more() (bool, error) {
	if d.fill(1) {
		return true, nil
	}
	return false, d.srcErr
}

// cutOrErr sets the sticky error for a record that ran out of bytes: cut
// off by the end of the stream, or stopped by a read error.
func (d *binDecoder) cutOrErr() {
	if d.err == nil {
		d.err = io.ErrUnexpectedEOF
		if d.srcErr != nil && !errors.Is(d.srcErr, io.EOF) {
			d.err = d.srcErr
		}
	}
}

func (d *binDecoder) corrupt(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
	}
}

func (d *binDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf)-d.pos < binary.MaxVarintLen64 {
		d.fill(binary.MaxVarintLen64) // or what is left of the stream
	}
	v, n := binary.Uvarint(d.buf[d.pos:])
	switch {
	case n == 0:
		d.cutOrErr()
	case n < 0:
		d.corrupt("a varint overflows 64 bits")
	default:
		d.pos += n
	}
	return v
}

func (d *binDecoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *binDecoder) string() string {
	k := d.uvarint()
	if d.err != nil {
		return ""
	}
	if k >= strRef {
		if k-strRef >= uint64(len(d.strs)) {
			d.corrupt("string #%d is not defined", k-strRef)
			return ""
		}
		return d.strs[k-strRef]
	}
	if k == strRemember && len(d.strs) >= maxStrings {
		d.corrupt("more than %d strings", maxStrings)
	}
	n := d.uvarint()
	if n > maxStringLen {
		d.corrupt("a string of %d bytes", n)
	}
	if d.err != nil {
		return ""
	}
	if !d.fill(int(n)) {
		d.cutOrErr()
		return ""
	}
	s := string(d.buf[d.pos : d.pos+int(n)])
	d.pos += int(n)
	if k == strRemember {
		d.strs = append(d.strs, s)
	}
	return s
}

// call decodes the next call record into c.
func (d *binDecoder) call(c *Call) error {
	flags := d.uvarint()
	d.seq += uint64(d.varint())
	*c = Call{Seq: d.seq, Dep: d.string()}
	d.startNs += d.varint()
	c.StartNs = d.startNs
	c.EndNs = c.StartNs + d.varint()
	if flags&callHasAdmit != 0 {
		c.AdmitNs = c.StartNs + d.varint()
	}
	if flags&callHasDone != 0 {
		c.DoneNs = c.EndNs + d.varint()
	}
	d.gen += uint64(d.varint())
	c.Gen = d.gen
	c.Reject = d.string()
	c.Err = d.string()
	c.Outcome = Outcome(flags & 7)
	c.Fallback = flags&callFallback != 0
	if flags&^callFlags != 0 {
		d.corrupt("unknown flags %#x", flags&^callFlags)
	} else if c.Outcome < OutcomeSuccess || c.Outcome > OutcomeRejected {
		d.corrupt("outcome %d, want 1–4", c.Outcome)
	}
	return d.err
}

// depRequest decodes the next dependency request record into r.
func (d *binDecoder) depRequest(r *DepRequest) error {
	flags := d.uvarint()
	*r = DepRequest{Dep: d.string()}
	d.seq += uint64(d.varint())
	r.Seq = d.seq
	d.startNs += d.varint()
	r.AtNs = d.startNs
	r.Fault = d.string()
	r.LatencyNs = d.varint()
	r.Status = int(d.varint())
	r.Err = d.string()
	if flags&depAttack != 0 {
		r.Attack = d.string()
	}
	r.HungUp = flags&depHungUp != 0
	r.SeqSent = flags&depSeqSent != 0
	if flags&^depFlags != 0 {
		d.corrupt("unknown flags %#x", flags&^depFlags)
	}
	return d.err
}
