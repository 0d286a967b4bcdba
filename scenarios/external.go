package scenarios

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// External mode: the breaker runs in the user's service. breakerlab serves
// the service's dependencies (each dependency's fake on its `listen:`
// address, which the service is configured to call) and sends load at the
// service (`target:`); what the service answers, and what reached each
// fake, is all it sees.

// Target is where external mode sends load: an HTTP endpoint of the service
// under test, on loopback.
type Target struct {
	// URL is the endpoint, e.g. http://127.0.0.1:8080/call/iam. In a
	// dependency's target it may be a path (/call/iam), taken relative to
	// the scenario's target.
	URL string `yaml:"url"`
	// Method is the HTTP method. Empty means GET.
	Method string `yaml:"method"`
	// Headers are sent with every request.
	Headers map[string]string `yaml:"headers"`
	// Body is sent with every request.
	Body string `yaml:"body"`
}

// ClassifyRule reads one kind of answer from the service. Rules are tried
// in order; the first that matches decides. An answer no rule matches is
// read by the defaults: 2xx a success, 503 a rejection by the breaker,
// anything else (another status, a timeout, a transport error) a failure.
type ClassifyRule struct {
	// Status matches the answer's status code: "503", "2xx", or "" for any.
	Status string `yaml:"status"`
	// Header matches a header: "Name: regexp".
	Header string `yaml:"header"`
	// Body matches the body with a regexp.
	Body string `yaml:"body"`
	// As is what the answer means: success, failure or rejected. Required.
	As string `yaml:"as"`
	// Fallback marks the answer as served by a fallback (e.g. a 200 with a
	// cached value after a rejection).
	Fallback bool `yaml:"fallback"`

	header     string
	headerRe   *regexp.Regexp
	bodyRe     *regexp.Regexp
	statusLo   int
	statusHigh int
}

// StateScrape reads the state the service's breaker reports, while the run
// goes: an endpoint answering JSON (Field) or Prometheus text (Metric).
type StateScrape struct {
	// URL is the endpoint, on loopback: a full URL, or a path on the
	// scenario's target (so that --target moves it too).
	URL string `yaml:"url"`
	// Every is how often it is read. Zero means 100 ms.
	Every time.Duration `yaml:"every"`
	// Field is where each dependency's state is in the JSON answer: a path
	// of keys separated by dots, "{dep}" standing for the dependency's name.
	// Empty (and no Metric) means "{dep}": {"iam": "open", …}.
	Field string `yaml:"field"`
	// Metric is a Prometheus gauge with labels breaker (the dependency) and
	// state, 1 for the current state: breaker_state{breaker="iam",state="open"} 1.
	Metric string `yaml:"metric"`
}

// StateURL returns the state endpoint's URL: state.url, a path resolved
// against the scenario's target.
func (sc *Scenario) StateURL() (string, error) {
	if sc.State == nil {
		return "", nil
	}
	return resolveURL(sc.targetBase(), sc.State.URL)
}

func (sc *Scenario) targetBase() string {
	if sc.Target == nil {
		return ""
	}
	return sc.Target.URL
}

// resolveURL resolves ref, a full URL or a path, against base.
func resolveURL(base, ref string) (string, error) {
	if strings.Contains(ref, "://") || base == "" {
		return ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

// TargetURL returns dependency i's target: its own, or the scenario's, a
// path taken relative to the scenario's.
func (sc *Scenario) TargetURL(i int) (Target, error) {
	t := Target{}
	if sc.Target != nil {
		t = *sc.Target
	}
	if own := sc.Dependencies[i].Target; own != nil {
		base := t.URL
		t = *own
		u, err := resolveURL(base, t.URL)
		if err != nil {
			return t, err
		}
		t.URL = u
	}
	if t.Method == "" {
		t.Method = "GET"
	}
	return t, nil
}

// ReadAnswer reads one of the service's answers by the scenario's classify
// rules, then the defaults: outcome is "success", "failure" or "rejected".
func (sc *Scenario) ReadAnswer(status int, header func(string) string, body []byte, transportErr bool) (outcome string, fallback bool) {
	for i := range sc.Classify {
		r := &sc.Classify[i]
		if r.matches(status, header, body, transportErr) {
			return r.As, r.Fallback
		}
	}
	switch {
	case transportErr || status == 0:
		return "failure", false
	case status >= 200 && status < 300:
		return "success", false
	case status == 503:
		return "rejected", false
	}
	return "failure", false
}

func (r *ClassifyRule) matches(status int, header func(string) string, body []byte, transportErr bool) bool {
	if r.statusLo != 0 && (transportErr || status < r.statusLo || status > r.statusHigh) {
		return false
	}
	if r.headerRe != nil && !r.headerRe.MatchString(header(r.header)) {
		return false
	}
	return r.bodyRe == nil || r.bodyRe.Match(body)
}

// compile checks and compiles a rule; the message names what is wrong.
func (r *ClassifyRule) compile() (key, msg string) {
	switch r.As {
	case "success", "failure", "rejected":
	case "":
		return "as", "missing: want success, failure or rejected"
	default:
		return "as", fmt.Sprintf("%q: want success, failure or rejected", r.As)
	}
	if s := r.Status; s != "" {
		switch {
		case len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5':
			r.statusLo = int(s[0]-'0') * 100
			r.statusHigh = r.statusLo + 99
		default:
			n, err := strconv.Atoi(s)
			if err != nil || n < 100 || n > 599 {
				return "status", fmt.Sprintf("%q: want a status code (503) or a class (5xx)", s)
			}
			r.statusLo, r.statusHigh = n, n
		}
	}
	if r.Header != "" {
		name, pattern, ok := strings.Cut(r.Header, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return "header", fmt.Sprintf("%q: want \"Name: regexp\"", r.Header)
		}
		re, err := regexp.Compile(strings.TrimSpace(pattern))
		if err != nil {
			return "header", fmt.Sprintf("bad regexp: %v", err)
		}
		r.header, r.headerRe = strings.TrimSpace(name), re
	}
	if r.Body != "" {
		re, err := regexp.Compile(r.Body)
		if err != nil {
			return "body", fmt.Sprintf("bad regexp: %v", err)
		}
		r.bodyRe = re
	}
	if r.statusLo == 0 && r.headerRe == nil && r.bodyRe == nil {
		return "status", "the rule matches every answer: give a status, header or body"
	}
	return "", ""
}

// validateExternal checks an external-mode scenario: where the load goes,
// where each fake listens, how answers are read.
func (sc *Scenario) validateExternal(d *doc) []*FileError {
	var errs []*FileError
	add := func(path, format string, args ...any) {
		errs = append(errs, d.at(path, fmt.Sprintf(format, args...)))
	}
	if sc.Stress != nil {
		add("$.stress", "only in stress mode (this scenario's mode is external): remove stress")
	}
	if sc.Target != nil {
		if msg := checkLoopbackURL(sc.Target.URL, true); msg != "" {
			add("$.target.url", "%s", msg)
		}
	}
	listens := map[string]string{}
	for i, dep := range sc.Dependencies {
		p := fmt.Sprintf("$.dependencies[%d]", i)
		switch t := dep.Target; {
		case t == nil && sc.Target == nil:
			add(p, "no target: give the scenario a target (target: {url: http://127.0.0.1:8080/...}) or this dependency one")
		case t != nil && sc.Target == nil && !strings.Contains(t.URL, "://"):
			add(p+".target.url", "%q is a path, but the scenario has no target to take it from: give a full URL", t.URL)
		case t != nil:
			if msg := checkLoopbackURL(t.URL, sc.Target != nil); msg != "" {
				add(p+".target.url", "%s", msg)
			}
		}
		switch {
		case dep.Listen == "":
			add(p, "no listen address: external mode serves each dependency's fake where the service calls it, e.g. listen: 127.0.0.1:9001")
		default:
			if msg := checkLoopbackAddr(dep.Listen); msg != "" {
				add(p+".listen", "%s", msg)
			}
			if other, dup := listens[dep.Listen]; dup {
				add(p+".listen", "%s is %s's too: give each dependency its own address", dep.Listen, other)
			}
			listens[dep.Listen] = dep.Name
		}
	}
	if len(sc.Dependencies) > 1 {
		targets := map[string]string{}
		for i := range sc.Dependencies {
			t, _ := sc.TargetURL(i)
			if other, dup := targets[t.URL]; dup {
				add(fmt.Sprintf("$.dependencies[%d]", i),
					"calls the same target as %s (%s): a rejection could not be told apart; give each dependency its own target, e.g. target: {url: /call/%s}",
					other, t.URL, sc.Dependencies[i].Name)
			}
			targets[t.URL] = sc.Dependencies[i].Name
		}
	}
	for i := range sc.Classify {
		if key, msg := sc.Classify[i].compile(); msg != "" {
			add(fmt.Sprintf("$.classify[%d].%s", i, key), "%s", msg)
		}
	}
	if s := sc.State; s != nil {
		switch {
		case strings.HasPrefix(s.URL, "/") && sc.Target == nil:
			add("$.state.url", "%q is a path, but the scenario has no target to take it from: give a full URL", s.URL)
		default:
			if msg := checkLoopbackURL(s.URL, true); msg != "" {
				add("$.state.url", "%s", msg)
			}
		}
		if s.Every < 0 {
			add("$.state.every", "want a duration >= 0 (0: 100ms)")
		}
		if s.Field != "" && s.Metric != "" {
			add("$.state.metric", "give field (JSON) or metric (Prometheus), not both")
		}
	}
	return errs
}

// checkOutsideExternal reports keys only external mode reads.
func (sc *Scenario) checkOutsideExternal(d *doc) []*FileError {
	var errs []*FileError
	mode := sc.Mode.OrDefault()
	add := func(path, key string) {
		errs = append(errs, d.at(path, fmt.Sprintf("%s is for external mode (this scenario's mode is %s): set mode: external, or remove it", key, mode)))
	}
	if sc.Target != nil {
		add("$.target", "target")
	}
	if len(sc.Classify) > 0 {
		add("$.classify", "classify")
	}
	if sc.State != nil {
		add("$.state", "state")
	}
	for i, dep := range sc.Dependencies {
		if dep.Listen != "" {
			add(fmt.Sprintf("$.dependencies[%d].listen", i), "listen")
		}
		if dep.Target != nil {
			add(fmt.Sprintf("$.dependencies[%d].target", i), "target")
		}
	}
	return errs
}

// checkLoopbackURL says what is wrong with an http URL on loopback ("": nothing).
func checkLoopbackURL(s string, pathOK bool) string {
	if s == "" {
		return "missing: want an http URL on loopback, e.g. http://127.0.0.1:8080/call/iam"
	}
	if pathOK && strings.HasPrefix(s, "/") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q: want an http URL, e.g. http://127.0.0.1:8080/call/iam", s)
	}
	if !loopbackHost(u.Hostname()) {
		return fmt.Sprintf("%q: load goes to loopback only (127.0.0.1, ::1 or localhost)", s)
	}
	return ""
}

// checkLoopbackAddr says what is wrong with a listen address ("": nothing).
func checkLoopbackAddr(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q: want host:port, e.g. 127.0.0.1:9001", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("%q: port %q: want a number 0..65535", s, port)
	}
	if !loopbackHost(host) {
		return fmt.Sprintf("%q: fakes listen on loopback only (127.0.0.1, ::1 or localhost)", s)
	}
	return ""
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Override sets what the command line gives for external mode: target
// replaces the scenario's target URL (keeping its method, headers and body),
// and listen sets dependencies' listen addresses by name. An unknown
// dependency or an address off loopback is an error naming it.
func (sc *Scenario) Override(target string, listen map[string]string) error {
	if target != "" {
		if msg := checkLoopbackURL(target, false); msg != "" {
			return fmt.Errorf("--target: %s", msg)
		}
		if sc.Target == nil {
			sc.Target = &Target{}
		}
		sc.Target.URL = target
	}
	for name, addr := range listen {
		i := sc.dependencyIndex(name)
		if i < 0 {
			return fmt.Errorf("--listen %s=%s: %s has no dependency %q (it has %s)", name, addr, sc.Name, name, strings.Join(sc.dependencyNames(), ", "))
		}
		if msg := checkLoopbackAddr(addr); msg != "" {
			return fmt.Errorf("--listen %s=%s: %s", name, addr, msg)
		}
		sc.Dependencies[i].Listen = addr
	}
	return nil
}

// canRunExternal reports whether every dependency has a listen address and
// a target, after the command line's overrides.
func (sc *Scenario) canRunExternal() error {
	for i, dep := range sc.Dependencies {
		if dep.Listen == "" {
			return fmt.Errorf("%w: %s: external mode needs dependency %s's listen address (in the file, or --listen %s=127.0.0.1:PORT): where the service under test calls it",
				ErrModeMismatch, sc.Name, dep.Name, dep.Name)
		}
		t, err := sc.TargetURL(i)
		if err != nil || !strings.Contains(t.URL, "://") {
			return fmt.Errorf("%w: %s: external mode needs a target for dependency %s (target: in the file, or --target http://127.0.0.1:PORT/...): where to send the load",
				ErrModeMismatch, sc.Name, dep.Name)
		}
	}
	if len(sc.Dependencies) > 1 {
		seen := map[string]bool{}
		for i := range sc.Dependencies {
			t, _ := sc.TargetURL(i)
			if seen[t.URL] {
				return fmt.Errorf("%w: %s: several dependencies share the target %s: give each its own (target: {url: /call/NAME}), so that a rejection can be told apart",
					ErrModeMismatch, sc.Name, t.URL)
			}
			seen[t.URL] = true
		}
	}
	return nil
}

func (sc *Scenario) dependencyIndex(name string) int {
	for i, d := range sc.Dependencies {
		if d.Name == name {
			return i
		}
	}
	return -1
}

func (sc *Scenario) dependencyNames() []string {
	names := make([]string, len(sc.Dependencies))
	for i, d := range sc.Dependencies {
		names[i] = d.Name
	}
	return names
}
