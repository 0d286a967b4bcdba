// A stand-in breakerlab checkout for the tests of bench.GoTest and
// breakerlab bench: go test runs in it for real, in seconds.
module github.com/breakerlab/breakerlab

go 1.26
