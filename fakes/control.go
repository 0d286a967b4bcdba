package fakes

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ControlPrefix is the path prefix reserved for the control API; requests
// under it never reach a fake.
const ControlPrefix = "/_breakerlab/"

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

// The control API. Each route exists as /_breakerlab/fakes/NAME/ROUTE and,
// when the server has a single fake, as /_breakerlab/ROUTE:
//
//	GET    faults    the fake's faults, base (with the preset), active now, schedule
//	PUT    faults    replace the faults (a Faults object), dropping the schedule
//	POST   schedule  apply a schedule (a Schedule object) starting now
//	DELETE schedule  drop the schedule
//	GET    log       records: ?since=N (default 0) &limit=M (default 1000)
//	GET    counters  requests per fault, in flight, last sequence number
//	POST   reset     restore the configured faults, clear log and counters
//
// plus GET /_breakerlab/ listing the fakes. Bodies and answers are JSON;
// durations are strings like "20ms" (integer nanoseconds are accepted).
// Malformed input gets 400 with {"error": "…"} naming the key; a body over
// 1 MiB 413; a route asked with the wrong method 405, with an Allow header.
func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	for _, base := range []string{ControlPrefix + "fakes/{name}/", ControlPrefix} {
		mux.HandleFunc("GET "+base+"faults", s.withFake(s.getFaults))
		mux.HandleFunc("PUT "+base+"faults", s.withFake(s.putFaults))
		mux.HandleFunc("POST "+base+"schedule", s.withFake(s.postSchedule))
		mux.HandleFunc("DELETE "+base+"schedule", s.withFake(s.deleteSchedule))
		mux.HandleFunc("GET "+base+"log", s.withFake(s.getLog))
		mux.HandleFunc("GET "+base+"counters", s.withFake(s.getCounters))
		mux.HandleFunc("POST "+base+"reset", s.withFake(s.postReset))
	}
	mux.HandleFunc("GET "+ControlPrefix+"{$}", s.getIndex)
	// What no route matches: a route with another method is 405 with the
	// methods it has; anything else 404.
	mux.HandleFunc(ControlPrefix, func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed, want %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("no control route %s %s; GET %s lists them", r.Method, r.URL.Path, ControlPrefix))
	})
	return mux
}

// allowedMethods returns the methods for which mux has a route of r's path
// other than the catch-all ControlPrefix.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
		if _, pattern := mux.Handler(probe); pattern != ControlPrefix && pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

// withFake resolves the fake a control request is about.
func (s *Server) withFake(h func(http.ResponseWriter, *http.Request, *Fake)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if name == "" {
			if len(s.fakes) != 1 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("this server has several fakes (%s): use %sfakes/NAME/…", strings.Join(s.names(), ", "), ControlPrefix))
				return
			}
			h(w, r, s.fakes[0])
			return
		}
		f := s.byName[name]
		if f == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no fake named %q (this server has %s)", name, strings.Join(s.names(), ", ")))
			return
		}
		h(w, r, f)
	}
}

// faultsView is the answer of GET faults.
type faultsView struct {
	Fake     string    `json:"fake"`
	Preset   string    `json:"preset"`
	Seed     int64     `json:"seed"`
	Elapsed  int64     `json:"elapsed"` // since the schedule's clock started
	Phase    string    `json:"phase"`
	Faults   Faults    `json:"faults"` // as set, without the preset
	Base     Faults    `json:"base"`   // the preset with Faults over it
	Active   Faults    `json:"active"` // in force now
	Schedule *Schedule `json:"schedule"`
}

func viewOf(f *Fake) faultsView {
	st := f.state.Load()
	return faultsView{
		Fake: f.Name(), Preset: f.cfg.Preset, Seed: f.cfg.Seed,
		Elapsed: int64(f.now().Sub(st.start)), Phase: f.Phase(),
		Faults: st.faults, Base: st.base, Active: f.Active(), Schedule: f.Schedule(),
	}
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request, f *Fake) {
	writeJSON(w, http.StatusOK, viewOf(f), true)
}

func (s *Server) putFaults(w http.ResponseWriter, r *http.Request, f *Fake) {
	var faults Faults
	if !readBody(w, r, &faults) {
		return
	}
	if err := f.SetFaults(faults); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.changed()
	writeJSON(w, http.StatusOK, viewOf(f), true)
}

func (s *Server) postSchedule(w http.ResponseWriter, r *http.Request, f *Fake) {
	var sched *Schedule
	if !readBody(w, r, &sched) {
		return
	}
	if err := f.SetSchedule(sched); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.changed()
	writeJSON(w, http.StatusOK, viewOf(f), true)
}

func (s *Server) deleteSchedule(w http.ResponseWriter, _ *http.Request, f *Fake) {
	_ = f.SetSchedule(nil) // nil is always valid
	s.changed()
	writeJSON(w, http.StatusOK, viewOf(f), true)
}

func (s *Server) getLog(w http.ResponseWriter, r *http.Request, f *Fake) {
	since, limit := uint64(0), 1000
	q := r.URL.Query()
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("since: %q is not a record number ≥ 0", v))
			return
		}
		since = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100_000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: %q is not a count within 1..100000", v))
			return
		}
		limit = n
	}
	writeJSON(w, http.StatusOK, f.Log(since, limit), false)
}

func (s *Server) getCounters(w http.ResponseWriter, _ *http.Request, f *Fake) {
	writeJSON(w, http.StatusOK, f.Counters(), false)
}

func (s *Server) postReset(w http.ResponseWriter, _ *http.Request, f *Fake) {
	f.Reset()
	s.changed()
	writeJSON(w, http.StatusOK, f.Counters(), false)
}

func (s *Server) getIndex(w http.ResponseWriter, _ *http.Request) {
	type entry struct {
		Name   string `json:"name"`
		Preset string `json:"preset"`
		URL    string `json:"url"`
		Phase  string `json:"phase"`
	}
	fakes := make([]entry, len(s.fakes))
	for i, f := range s.fakes {
		u := s.URL() + "/" + f.Name() + "/"
		if len(s.fakes) == 1 {
			u = s.URL() + "/"
		}
		fakes[i] = entry{f.Name(), f.cfg.Preset, u, f.Phase()}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"fakes":     fakes,
		"listening": s.Listening(),
		"routes": []string{
			"GET faults", "PUT faults", "POST schedule", "DELETE schedule",
			"GET log?since=N&limit=M", "GET counters", "POST reset",
		},
		"route_prefix": ControlPrefix + "fakes/NAME/ (or " + ControlPrefix + " with one fake)",
	}, false)
}

// readBody decodes a JSON body into v, answering 400 itself on failure.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body too large: at most %d bytes", mbe.Limit))
		return false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reading the body: %v", err))
		return false
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		writeError(w, http.StatusBadRequest, "empty body: send a JSON object")
		return false
	}
	if err := decodeJSON(data, v); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any, durations bool) {
	var b []byte
	var err error
	if durations {
		b, err = encodeJSON(v)
	} else {
		b, err = marshalIndent(v)
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := marshalIndent(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
