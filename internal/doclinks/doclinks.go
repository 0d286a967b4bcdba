package doclinks

import (
	"bufio"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Broken is one relative link that does not resolve.
type Broken struct {
	File   string // the Markdown file, relative to the root, with '/'
	Line   int    // 1-based
	Target string // the link as written
	Reason string // what is wrong
}

// String formats b as FILE:LINE: TARGET: REASON.
func (b Broken) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", b.File, b.Line, b.Target, b.Reason)
}

// Result is what [Check] found.
type Result struct {
	Files  int // Markdown files read
	Links  int // relative links checked
	Broken []Broken
}

// skipDirs are folders that hold no documentation: fixtures, and the build
// outputs .gitignore names at the root.
var skipDirs = map[string]bool{"testdata": true, "node_modules": true}

// rootOutputs are the root's build outputs (.gitignore).
var rootOutputs = map[string]bool{"out": true, "bin": true}

// Check reads every *.md file under root (skipping hidden folders,
// testdata and the root's out/ and bin/) and checks each relative link.
// The error is for a walk or read that failed, not for a broken link.
func Check(root string) (Result, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return Result{}, err
	}
	var res Result
	docs := map[string]*doc{} // by absolute path, read once
	load := func(path string) (*doc, error) {
		if d, ok := docs[path]; ok {
			return d, nil
		}
		d, err := readDoc(path)
		if err != nil {
			return nil, err
		}
		docs[path] = d
		return d, nil
	}
	err = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			name := e.Name()
			if path != root && (strings.HasPrefix(name, ".") || skipDirs[name] || rootOutputs[name] && filepath.Dir(path) == root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(e.Name(), ".md") {
			return nil
		}
		d, err := load(path)
		if err != nil {
			return err
		}
		res.Files++
		rel, _ := filepath.Rel(root, path)
		for _, l := range d.links {
			reason, checked, err := resolve(root, path, l.target, load)
			if err != nil {
				return err
			}
			if !checked {
				continue
			}
			res.Links++
			if reason != "" {
				res.Broken = append(res.Broken, Broken{File: filepath.ToSlash(rel), Line: l.line, Target: l.target, Reason: reason})
			}
		}
		return nil
	})
	return res, err
}

// scheme matches a link that names its own protocol: https:, mailto:, ….
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// resolve checks target, a link in the Markdown file at path. checked is
// false for a link it does not follow (one with a scheme); reason is ""
// when the link resolves.
func resolve(root, path, target string, load func(string) (*doc, error)) (reason string, checked bool, err error) {
	if scheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return "", false, nil
	}
	if target == "" {
		return "empty link", true, nil
	}
	ref, anchor, _ := strings.Cut(target, "#")
	ref, _, _ = strings.Cut(ref, "?")
	if p, err := url.PathUnescape(ref); err == nil {
		ref = p
	}
	dest := path
	if ref != "" {
		if strings.HasPrefix(ref, "/") {
			dest = filepath.Join(root, filepath.FromSlash(ref)) // GitHub: the repository's root
		} else {
			dest = filepath.Join(filepath.Dir(path), filepath.FromSlash(ref))
		}
		if rel, err := filepath.Rel(root, dest); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "points outside the repository", true, nil
		}
		info, err := os.Stat(dest)
		if err != nil {
			return "no such file or folder", true, nil
		}
		if info.IsDir() {
			return "", true, nil // a folder has no headings to aim at
		}
	}
	if anchor == "" || !strings.HasSuffix(dest, ".md") {
		return "", true, nil // an anchor into code (#L12) is GitHub's to resolve
	}
	if a, err := url.PathUnescape(anchor); err == nil {
		anchor = a
	}
	d, err := load(dest)
	if err != nil {
		return "", true, err
	}
	if !d.anchors[anchor] {
		return fmt.Sprintf("no heading or anchor #%s in %s", anchor, filepath.Base(dest)), true, nil
	}
	return "", true, nil
}

// link is one link of a Markdown file.
type link struct {
	line   int
	target string
}

// doc is what one Markdown file offers and asks: its links and anchors.
type doc struct {
	links   []link
	anchors map[string]bool
}

var (
	// fence opens or closes a fenced code block.
	fence = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	// inlineLink is [text](target "title") or ![alt](target).
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)`)
	// refDef is a reference definition: [id]: target.
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// htmlRef is an HTML attribute that links: href="…" or src="…".
	htmlRef = regexp.MustCompile(`\b(?:href|src)="([^"]*)"`)
	// htmlAnchor is an explicit anchor: <a id="…"> or <a name="…">.
	htmlAnchor = regexp.MustCompile(`<a\s[^>]*\b(?:id|name)="([^"]+)"`)
	// atx is a # heading; setext underlines the line before it.
	atx    = regexp.MustCompile(`^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	setext = regexp.MustCompile(`^ {0,3}(=+|-+)\s*$`)
)

// readDoc reads the Markdown file at path: its links and anchors, outside
// code blocks and code spans.
func readDoc(path string) (*doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &doc{anchors: map[string]bool{}}
	slugs := newSlugger()
	var inFence string // the fence that opened the block, "" outside one
	prev := ""         // the previous line, for setext headings
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case inFence == "":
				inFence = m[1]
			case m[1][0] == inFence[0] && len(m[1]) >= len(inFence) && strings.TrimSpace(line) == m[1]:
				inFence = ""
			}
			prev = ""
			continue
		}
		if inFence != "" {
			continue
		}
		text := stripCodeSpans(line)
		switch {
		case atx.MatchString(line):
			d.anchors[slugs.slug(atx.FindStringSubmatch(line)[1])] = true
		case setext.MatchString(line) && isParagraph(prev):
			d.anchors[slugs.slug(prev)] = true
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(text, -1) {
			d.anchors[m[1]] = true
		}
		for _, re := range []*regexp.Regexp{inlineLink, refDef, htmlRef} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				d.links = append(d.links, link{line: n, target: strings.Trim(m[1], "<>")})
			}
		}
		prev = line
	}
	return d, sc.Err()
}

// isParagraph reports whether line can be a setext heading's text.
func isParagraph(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && !strings.ContainsAny(t[:1], "#|>-*+<") && !setext.MatchString(line)
}

// stripCodeSpans blanks out `code spans`, whose text is never a link.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		j := i
		for j < len(line) && line[j] == '`' {
			j++
		}
		ticks := line[i:j]
		end := strings.Index(line[j:], ticks)
		if end < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i])
		b.WriteString(strings.Repeat(" ", j-i+end+len(ticks)))
		line = line[j+end+len(ticks):]
	}
}
