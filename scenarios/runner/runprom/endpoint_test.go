package runprom

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scraper is an HTTP client that keeps no connection open between scrapes.
var scraper = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// scrape fetches url and returns the body.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := scraper.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	return string(body)
}

func TestListenRefuses(t *testing.T) {
	for _, tt := range []struct {
		addr, want  string
		notLoopback bool
	}{
		{"nonsense", `runprom: address "nonsense": address nonsense: missing port in address; want HOST:PORT, e.g. 127.0.0.1:9464`, false},
		{"127.0.0.1", `runprom: address "127.0.0.1": address 127.0.0.1: missing port in address; want HOST:PORT, e.g. 127.0.0.1:9464`, false},
		{"0.0.0.0:9464", `runprom: address is not loopback: "0.0.0.0:9464" (want 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)`, true},
		{":9464", `runprom: address is not loopback: ":9464" (want 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)`, true},
		{"example.com:9464", `runprom: address is not loopback: "example.com:9464" (want 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)`, true},
	} {
		e, err := Listen(tt.addr, false)
		require.Error(t, err, tt.addr)
		assert.Nil(t, e)
		assert.EqualError(t, err, tt.want)
		assert.Equal(t, tt.notLoopback, errors.Is(err, ErrNotLoopback), tt.addr)
	}
	// The opt-in lets any well-formed address through (not bound here:
	// tests stay on loopback).
	assert.NoError(t, checkAddr("0.0.0.0:9464", true))
	assert.NoError(t, checkAddr("[::1]:9464", false))
	assert.NoError(t, checkAddr("localhost:9464", false))
	assert.Error(t, checkAddr("nonsense", true), "the opt-in does not excuse a malformed address")
}

func TestListenAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, err = Listen(ln.Addr().String(), false)
	require.Error(t, err)
	assert.ErrorContains(t, err, "runprom: listen tcp "+ln.Addr().String()+": bind: address already in use")
}

// Before any run the endpoint answers with no metrics; after Close it
// answers no more.
func TestEndpointBeforeAnyRunAndClosed(t *testing.T) {
	e, err := Listen("127.0.0.1:0", false)
	require.NoError(t, err)
	assert.Equal(t, "", scrape(t, e.URL()))
	resp, err := scraper.Get("http://" + e.Addr() + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only /metrics is served")
	require.NoError(t, e.Close())
	_, err = scraper.Get(e.URL())
	assert.Error(t, err, "closed")
}
