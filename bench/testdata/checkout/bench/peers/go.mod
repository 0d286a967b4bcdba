module github.com/breakerlab/breakerlab/bench/peers

go 1.26
