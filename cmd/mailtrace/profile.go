package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names the file a run writes its CPU profile to: what
// `make pgo` merges into default.pgo, the profile the Go tool optimizes
// the build with, and what a user can attach to a report of a slow run.
// An environment variable rather than a flag, so that it reaches every
// command the same way and stays out of the manual.
const profileEnv = "MAILTRACE_CPUPROFILE"

// startProfile starts the CPU profile that getenv(profileEnv) asks for;
// stop ends it and closes the file, and must run before the process
// exits.
func startProfile(getenv func(string) string) (stop func(), err error) {
	path := getenv(profileEnv)
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", profileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
