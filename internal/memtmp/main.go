package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

func main() {
	run, err := record.Read(os.Args[1])
	if err != nil {
		panic(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Println("after read: heap", ms.HeapAlloc>>20, "MB; calls", len(run.Calls), "reqs", len(run.DepRequests), "omitted", len(run.Omitted), "snaps", len(run.Snapshots))
	runtime.MemProfileRate = 4096
	v, _, err := check.Judge(run, check.Options{})
	f, _ := os.Create(os.Args[2])
	pprof.Lookup("allocs").WriteTo(f, 0)
	runtime.ReadMemStats(&ms)
	fmt.Println("after judge: total alloc", ms.TotalAlloc>>20, "MB", v.Passed, err)
}
