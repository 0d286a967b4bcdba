package doclinks

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

var (
	// mdLink is a link or image in heading text: its text stays.
	mdLink = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	// htmlTag is an HTML tag in heading text: it goes.
	htmlTag = regexp.MustCompile(`<[^>]+>`)
)

// Slug returns the anchor GitHub gives a heading with this Markdown text:
// the rendered text lowercased, without punctuation other than '-' and
// '_', each space a '-'. "The `run` command (CLI)" → "the-run-command-cli".
func Slug(heading string) string {
	s := mdLink.ReplaceAllString(heading, "$1")
	s = htmlTag.ReplaceAllString(s, "")
	s = strings.NewReplacer("`", "", "*", "").Replace(s)
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || unicode.Is(unicode.Pc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slugger numbers repeated headings as GitHub does: "x", "x-1", "x-2".
type slugger map[string]int

func newSlugger() slugger { return slugger{} }

func (s slugger) slug(heading string) string {
	base := Slug(heading)
	n, seen := s[base]
	s[base] = n + 1
	if !seen {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}
